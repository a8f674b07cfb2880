// A progress line on stderr with rate and ETA, drawn only when stderr is a
// terminal and at most ~10 times a second. Not thread-safe: one owner.
#ifndef QUN_CLI_PROGRESS_H_
#define QUN_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace qun::cli {

class Progress {
 public:
  // `total` is in `unit`s (bytes are shown as MB); 0 when unknown.
  Progress(std::string label, uint64_t total, bool bytes);
  ~Progress();
  void Update(uint64_t done, uint64_t items = 0);
  void Finish();

 private:
  void Draw(bool final);
  std::string label_;
  uint64_t total_;
  bool bytes_;
  bool enabled_;
  uint64_t done_ = 0, items_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool finished_ = false;
};

}  // namespace qun::cli

#endif  // QUN_CLI_PROGRESS_H_
