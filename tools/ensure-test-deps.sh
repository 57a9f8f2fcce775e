#!/bin/sh
# The test suite also runs the Python env bridge (python3, standard library only; its tests run Debian's
# /usr/bin/python3 with and without python3-numpy), checks the default frame path byte for byte against Debian's
# cv2 (python3-opencv through /usr/bin/python3) and generates videos with the ffmpeg CLI. Installs what is missing
# when running as root with apt-get; otherwise prints one line with the exact command and fails. Called by
# Agent.Tests' build.
set -u
need=""
command -v python3 >/dev/null 2>&1 || need="$need python3"
[ -x /usr/bin/python3 ] || need="$need python3"
/usr/bin/python3 -c "import numpy" >/dev/null 2>&1 || need="$need python3-numpy"
/usr/bin/python3 -c "import cv2" >/dev/null 2>&1 || need="$need python3-opencv"
command -v ffmpeg >/dev/null 2>&1 || need="$need ffmpeg"
# agent label --report: headless chromium draws the HTML report in a test; the PNG's text (ScottPlot on Skia) needs
# a font under /usr/share/fonts.
command -v chromium >/dev/null 2>&1 || need="$need chromium"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need="$need fonts-dejavu-core"
# Agent.Orleans: the failover tests start Debian's redis-server themselves, on a free loopback port.
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need="$need redis-server"
[ -z "$need" ] && exit 0
cmd="apt-get install -y$need"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "agent tests: installing missing packages:$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  # A multi-target build runs this once per target framework, in parallel, and the test project's check may
  # run beside it: one apt-get at a time (flock), and apt waits for a dpkg lock held by anything else.
  exec 9>/tmp/agentrnn-apt.lock && command -v flock >/dev/null 2>&1 && flock 9
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq $need >/dev/null 2>&1 || { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 && apt-get -o DPkg::Lock::Timeout=600 install -y -qq $need >/dev/null 2>&1; } || {
    echo "error: could not install the test suite's packages; run: sudo $cmd" >&2; exit 1; }
  exit 0
fi
echo "error: the test suite needs packages that are missing; run: sudo $cmd" >&2
exit 1
