// The standard engine modules, attached to every workspace's engine before it
// is rebuilt. Add one line per module.
#include "core/engine/engine.h"

namespace qun {

void AttachStandardModules(Engine& engine) {
  (void)engine;
}

}  // namespace qun
