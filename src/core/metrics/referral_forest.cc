// Invite forest (docs/metrics.md#referral). See referral_forest.h.
#include "core/metrics/referral_forest.h"

#include <algorithm>

namespace qun::metrics {

uint32_t ReferralForest::NodeOf(uint32_t person) {
  auto [it, fresh] = index_.try_emplace(person, static_cast<uint32_t>(nodes_.size()));
  if (fresh) nodes_.push_back(Node{person});
  return it->second;
}

uint32_t ReferralForest::Find(uint32_t x, int32_t* depth) {
  int32_t sum = 0;
  uint32_t r = x;
  while (nodes_[r].uf != kNone) {
    sum += nodes_[r].w;
    r = nodes_[r].uf;
  }
  // Path compression: each node on the path links to r with its whole offset.
  int32_t rest = sum;
  for (uint32_t y = x; nodes_[y].uf != kNone;) {
    const uint32_t next = nodes_[y].uf;
    const int32_t wy = nodes_[y].w;
    nodes_[y].uf = r;
    nodes_[y].w = rest;
    rest -= wy;
    y = next;
  }
  *depth = sum + nodes_[r].w;
  return r;
}

bool ReferralForest::Add(uint32_t child, uint32_t inviter, uint32_t inviter_account, uint32_t community,
                         uint32_t ts) {
  if (child == inviter) return false;
  const uint32_t c = NodeOf(child);
  if (nodes_[c].parent != kNone) return false;
  const uint32_t i = NodeOf(inviter);
  int32_t inv_depth = 0, child_depth = 0;
  const uint32_t ri = Find(i, &inv_depth);
  const uint32_t top_i = nodes_[ri].top == kNone ? ri : nodes_[ri].top;
  // The joiner has no inviter, so it tops its own tree: the edge closes a
  // cycle exactly when the inviter's tree is topped by the joiner.
  if (top_i == c) return false;
  const uint32_t rc = Find(c, &child_depth);  // child_depth == 0
  // The joiner's tree hangs below the inviter: all of it deepens by inv_depth + 1.
  const int32_t shift = inv_depth + 1 - child_depth;
  nodes_[ri].height = std::max<uint32_t>(nodes_[ri].height, static_cast<uint32_t>(shift) + nodes_[rc].height);
  nodes_[rc].uf = ri;
  nodes_[rc].w = nodes_[rc].w + shift - nodes_[ri].w;
  nodes_[ri].top = top_i;
  max_depth_ = std::max(max_depth_, nodes_[ri].height);

  nodes_[c].parent = i;
  nodes_[c].edge_community = community;
  nodes_[c].edge_ts = ts;
  ++children_;
  if (nodes_[c].slot != kNone) --trees_;  // an inviter that was a tree top is one no more
  if (nodes_[i].slot == kNone) {
    nodes_[i].slot = static_cast<uint32_t>(inviters_.size());
    inviters_.push_back(Inviter{inviter, inviter_account, 0, 0});
    if (nodes_[i].parent == kNone) ++trees_;
  }
  Inviter& iv = inviters_[nodes_[i].slot];
  if (iv.invited) ranking_.erase({UINT32_MAX - iv.invited, inviter});
  ++iv.invited;
  ranking_.insert({UINT32_MAX - iv.invited, inviter});
  if (child >= pending_.size()) pending_.resize(child + 1 + child / 4, false);
  pending_[child] = true;
  return true;
}

void ReferralForest::MarkConverted(uint32_t child) {
  auto it = index_.find(child);
  if (it == index_.end()) return;
  Node& n = nodes_[it->second];
  if (n.parent == kNone || n.converted) return;
  n.converted = true;
  pending_[child] = false;
  ++inviters_[nodes_[n.parent].slot].converted;
}

void ReferralForest::OnActive(uint32_t person, uint32_t community, uint32_t ts) {
  if (person >= pending_.size() || !pending_[person]) return;
  const Node& n = nodes_[index_.at(person)];
  // last_active 0 means "never" in the account records the check mirrors.
  if (n.edge_community == community && ts >= n.edge_ts && ts != 0) MarkConverted(person);
}

std::vector<Inviter> ReferralForest::Top(size_t top) const {
  std::vector<Inviter> out;
  for (auto it = ranking_.begin(); it != ranking_.end() && out.size() < top; ++it)
    out.push_back(inviters_[nodes_[index_.at(it->second)].slot]);
  return out;
}

size_t ReferralForest::Bytes() const {
  // Hash-map and ordered-set nodes counted at their typical libstdc++ sizes.
  return nodes_.capacity() * sizeof(Node) + index_.size() * 32 + index_.bucket_count() * 8 +
         inviters_.capacity() * sizeof(Inviter) + ranking_.size() * 48 + pending_.capacity() / 8;
}

}  // namespace qun::metrics
