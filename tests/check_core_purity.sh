#!/usr/bin/env bash
# Fails if any file under src/core includes networking, filesystem, SQL or
# process-environment headers: core is pure computation (STYLE.md).
set -euo pipefail
dir="$1"
bad=$(grep -rnE '#include\s*[<"](sys/socket\.h|netinet/|arpa/inet\.h|filesystem|fstream|sqlite3\.h|httplib\.h|unistd\.h|dirent\.h|fcntl\.h)[>"]' "$dir" --include=*.cc --include=*.h | grep -v '_test\.cc' || true)
bad2=$(grep -rnE '\b(getenv|fopen|std::ifstream|std::ofstream|system_clock::now|steady_clock::now|time\(nullptr\))' "$dir" --include=*.cc --include=*.h | grep -v '_test\.cc' || true)
if [ -n "$bad$bad2" ]; then
  echo "core purity violated (no I/O, SQL, network, env or clocks in src/core):"
  echo "$bad"; echo "$bad2"
  exit 1
fi
echo "1 passed, 0 failed"
