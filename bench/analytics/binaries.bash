# Sourced by run.sh and verify_inproc.sh: sets $qun and $driver.
# QUN + QUN_ANALYTICS_DRIVER name ready binaries (ctest's smoke runs pass its
# own); otherwise the Release build in $build (configured here when missing)
# builds the given targets. Needs $root and $build.
# Usage: bench_binaries TARGET...
bench_binaries() {
  if [[ -n "${QUN:-}" && -n "${QUN_ANALYTICS_DRIVER:-}" ]]; then
    qun=$QUN
    driver=$QUN_ANALYTICS_DRIVER
    return
  fi
  if [[ ! -f "$build/build.ninja" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUN_SANITIZE=OFF >/dev/null
  fi
  cmake --build "$build" -j2 --target "$@" >/dev/null
  qun="$build/qun"
  driver="$build/bench/analytics_driver"
}
