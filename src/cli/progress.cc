#include "cli/progress.h"

#include <cstdio>

#include <fmt/format.h>

#include "cli/command.h"

namespace qun::cli {

Progress::Progress(std::string label, uint64_t total, bool bytes)
    : label_(std::move(label)), total_(total), bytes_(bytes), enabled_(StderrIsTerminal()),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Update(uint64_t done, uint64_t items) {
  done_ = done;
  items_ = items;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) {
    Draw(true);
    std::fputc('\n', stderr);
  }
}

void Progress::Draw(bool final) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? done_ / secs : 0;
  std::string line = fmt::format("\r{}: ", label_);
  if (bytes_) line += fmt::format("{:.1f} MB", done_ / 1e6);
  else line += fmt::format("{}", done_);
  if (total_ > 0) line += fmt::format(" / {:.1f}{} ({:.0f}%)", bytes_ ? total_ / 1e6 : double(total_), bytes_ ? " MB" : "", 100.0 * done_ / total_);
  if (items_ > 0) line += fmt::format("  {:.0f} events/s", secs > 0 ? items_ / secs : 0);
  if (bytes_) line += fmt::format("  {:.1f} MB/s", rate / 1e6);
  if (!final && total_ > 0 && rate > 0 && done_ < total_) line += fmt::format("  ETA {:.0f}s", (total_ - done_) / rate);
  line += "   ";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace qun::cli
