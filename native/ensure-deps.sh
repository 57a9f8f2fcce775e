#!/bin/sh
# Makes sure the native bridge can be built and the accelerator backend can load:
# g++, cmake, Debian's OpenCV 4.6 and FFmpeg headers/libraries, and an OpenCL loader with PoCL.
# Installs what is missing when running as root with apt-get; otherwise prints one line
# with the exact command and fails. Called by the .NET build (native/AgentCv.targets) and .ci/run.
set -u
need=""
command -v g++ >/dev/null 2>&1 || need="$need g++"
command -v cmake >/dev/null 2>&1 || need="$need cmake"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
[ -f /usr/include/opencv4/opencv2/core.hpp ] || need="$need libopencv-core-dev"
[ -f /usr/include/opencv4/opencv2/imgproc.hpp ] || need="$need libopencv-imgproc-dev"
[ -f /usr/include/opencv4/opencv2/videoio.hpp ] || need="$need libopencv-videoio-dev"
[ -f /usr/include/opencv4/opencv2/imgcodecs.hpp ] || need="$need libopencv-imgcodecs-dev"
for lib in libavformat libavcodec libavutil libswscale; do
  pkg-config --exists "$lib" 2>/dev/null || need="$need $lib-dev"
done
ls /usr/lib/*/libOpenCL.so.1 >/dev/null 2>&1 || need="$need ocl-icd-libopencl1 ocl-icd-opencl-dev"
[ -f /etc/OpenCL/vendors/pocl.icd ] || need="$need pocl-opencl-icd"
[ -z "$need" ] && exit 0
cmd="apt-get install -y$need"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "agentcv: installing missing packages:$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq $need >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $need >/dev/null 2>&1; } || {
    echo "error: could not install the native build's packages; run: sudo $cmd" >&2; exit 1; }
  exit 0
fi
echo "error: the native OpenCV bridge needs packages that are missing; run: sudo $cmd" >&2
exit 1
