// Fuzz target: the telegram connector on arbitrary bytes (see connector_fuzz.h).
#include "connector_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return qun::fuzz::RunConnector("telegram", "result.json", data, size);
}
