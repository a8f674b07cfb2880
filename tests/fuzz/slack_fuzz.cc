// Fuzz target: the slack connector on arbitrary bytes, read as a zip export
// when the input starts with "PK" and as a channel day file otherwise (see
// connector_fuzz.h).
#include "connector_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bool zip = size >= 2 && data[0] == 'P' && data[1] == 'K';
  return qun::fuzz::RunConnector("slack", zip ? "export.zip" : "general/2020-05-01.json", data, size);
}
