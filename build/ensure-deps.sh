#!/bin/sh
# Makes sure what the libraries load at run time is installed: libgtk-3-0 (OpenCvSharp's Linux runtime,
# libOpenCvSharpExtern.so, links against it). The accelerator backends need nothing here: ILGPU is managed code,
# CUDA needs only the NVIDIA driver, OpenCL an ICD the machine already has.
# Nothing is compiled. Installs what is missing when running as root with apt-get; otherwise prints one line
# with the exact command and fails. Called by Agent.Vision's build and by .ci/run. Not Linux: nothing to do.
set -u
[ "$(uname -s)" = "Linux" ] || exit 0
need=""
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1" || ls /usr/lib/*/"$1"* >/dev/null 2>&1; }
has_lib libgtk-3.so.0 || need="$need libgtk-3-0"
[ -z "$need" ] && exit 0
cmd="apt-get install -y$need"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "agentrnn: installing missing packages:$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  # A multi-target build runs this once per target framework, in parallel, and the test project's check may
  # run beside it: one apt-get at a time (flock), and apt waits for a dpkg lock held by anything else.
  exec 9>/tmp/agentrnn-apt.lock && command -v flock >/dev/null 2>&1 && flock 9
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq $need >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 && apt-get -o DPkg::Lock::Timeout=600 install -y -qq $need >/dev/null 2>&1; } || {
    echo "error: could not install the run-time packages; run: sudo $cmd" >&2; exit 1; }
  exit 0
fi
echo "error: OpenCvSharp's Linux runtime needs packages that are missing; run: sudo $cmd" >&2
exit 1
