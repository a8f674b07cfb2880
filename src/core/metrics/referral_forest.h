// ReferralForest: the invite forest of docs/metrics.md#referral, grown one
// invite at a time in referral order. Kept per scope over all time by the
// MetricsModule (and built afresh for a partial range), so a referral query
// reads its counts and top inviters without a pass over people or invites.
//
// An invite adds the edge inviter -> joiner unless it is a self-invite, the
// joiner already has an inviter, or the edge would close a cycle. Depths are
// kept by a weighted union-find whose sets are the trees: each node stores
// its depth relative to its union-find parent, each representative its own
// depth, its tree's top person and height, so adding an edge and reading the
// longest chain cost amortized O(log people); inviters stay ranked by
// (invited desc, person) in an ordered set.
//
// Memory: per person in the forest one Node (about 40 bytes) plus a hash-map
// entry; per inviter one ranking entry. Not thread-safe: the owner serializes.
#ifndef QUN_CORE_METRICS_REFERRAL_FOREST_H_
#define QUN_CORE_METRICS_REFERRAL_FOREST_H_

#include <cstdint>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/metrics/metrics.h"

namespace qun::metrics {

class ReferralForest {
 public:
  // Folds one invite (call in referral order). `child` and `inviter` are
  // people; `inviter_account` is shown for a new inviter; `community` and
  // `ts` (engine seconds) are the invite's, for OnActive. Returns true when
  // the edge was accepted.
  bool Add(uint32_t child, uint32_t inviter, uint32_t inviter_account, uint32_t community, uint32_t ts);
  // Marks the accepted edge of `child` converted (its inviter's converted
  // count grows once).
  void MarkConverted(uint32_t child);
  // `person` was active in `community` at `ts`: an accepted, unconverted edge
  // of that person made in that community at or before `ts` becomes
  // converted. O(1) for people without such an edge.
  void OnActive(uint32_t person, uint32_t community, uint32_t ts);

  uint32_t invited() const { return children_; }
  uint32_t max_depth() const { return max_depth_; }
  uint32_t trees() const { return trees_; }
  // The first `top` inviters by invited desc, then person.
  std::vector<Inviter> Top(size_t top) const;
  size_t Bytes() const;

 private:
  struct Node {
    uint32_t person;
    uint32_t parent = kNone;  // node index of the accepted inviter
    uint32_t uf = kNone;      // union-find link (kNone: representative)
    int32_t w = 0;            // depth - depth(uf); at a representative: its depth
    uint32_t top = kNone;     // at a representative: the tree's top node (kNone: itself)
    uint32_t height = 0;      // at a representative: the deepest depth of its tree
    uint32_t slot = kNone;    // index in inviters_
    uint32_t edge_community = 0, edge_ts = 0;
    bool converted = false;
  };
  uint32_t NodeOf(uint32_t person);
  // Representative of node x; *depth = x's depth in its tree.
  uint32_t Find(uint32_t x, int32_t* depth);

  std::vector<Node> nodes_;
  std::unordered_map<uint32_t, uint32_t> index_;  // person -> node
  std::vector<Inviter> inviters_;
  std::set<std::pair<uint32_t, uint32_t>> ranking_;  // (UINT32_MAX - invited, person)
  std::vector<bool> pending_;                        // by person: an accepted edge not yet converted
  uint32_t children_ = 0, max_depth_ = 0, trees_ = 0;
};

}  // namespace qun::metrics

#endif  // QUN_CORE_METRICS_REFERRAL_FOREST_H_
