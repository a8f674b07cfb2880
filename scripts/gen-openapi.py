#!/usr/bin/env python3
"""Writes docs/api/openapi.json, the OpenAPI 3 description of `qun serve`.

The route table in src/server/ is the truth; tests/integration/server_api.sh
checks that this document and the router list the same routes. Edit this
script, run it, and commit both.
"""
import json
import os

METRICS = {
    "active": "DAU / WAU / MAU and stickiness per day (docs/metrics.md#active)",
    "stickiness": "DAU ÷ MAU per day (docs/metrics.md#stickiness)",
    "retention": "Cohort retention matrix (docs/metrics.md#retention)",
    "retention-trend": "N-period retention as a trend over cohorts (docs/metrics.md#retention-trend)",
    "lifecycle": "New / returning / resurrecting / dormant per period (docs/metrics.md#lifecycle)",
    "interaction": "Interaction rate per period (docs/metrics.md#interaction)",
    "joins": "Joins, leaves and members per day (docs/metrics.md#joins)",
    "peak-hours": "Messages by weekday × hour (docs/metrics.md#peak-hours)",
    "responsiveness": "Time to first reply, unanswered share (docs/metrics.md#responsiveness)",
    "content-mix": "Operator content by category against 4:3:2:1 (docs/metrics.md#content-mix)",
    "conversion": "Click-through, registration, purchase, participation (docs/metrics.md#conversion)",
    "funnel": "Ordered funnel with time window and drop-off (docs/metrics.md#funnel)",
    "value": "GMV, AOV, repurchase, ARPU, LTV (docs/metrics.md#value)",
    "revenue-cohorts": "Cumulative revenue per member by cohort (docs/metrics.md#revenue-cohorts)",
    "nps": "Net promoter score (docs/metrics.md#nps)",
    "referral": "Invite trees, K-factor, top inviters (docs/metrics.md#referral)",
    "anomalies": "Series points outside their expected band (docs/metrics.md#anomalies)",
}
METRIC_EXTRA = {
    "active": ["granularity"], "retention": ["granularity"], "retention-trend": ["granularity", "n"],
    "lifecycle": ["granularity"], "interaction": ["granularity"], "funnel": ["steps", "window"],
    "anomalies": ["series", "weeks"], "referral": ["top"], "value": ["lifetime_months"],
}
PARAM_DOC = {
    "community": "Community id, or platform:id when the id exists on two platforms. Absent: the whole workspace.",
    "from": "First local day, YYYY-MM-DD (default: the scope's first event day).",
    "to": "Last local day, YYYY-MM-DD, inclusive (default: the scope's last event day).",
    "tz": "IANA time zone for day boundaries (default UTC).",
    "granularity": "day | week | month.",
    "n": "Retention-trend period offset (default 1).",
    "steps": "Funnel steps: comma-separated event types.",
    "window": "Funnel window in seconds.",
    "series": "dau|wau|mau|messages|joins|leaves|interacting|questions|orders|gmv (default dau).",
    "top": "Number of inviters listed (default 20).",
    "weeks": "Anomalies: same-weekday history length in weeks (default 8).",
    "lifetime_months": "Expected lifetime for LTV (default 12).",
}

def qp(name, desc, schema=None, required=False):
    return {"name": name, "in": "query", "required": required, "description": desc,
            "schema": schema or {"type": "string"}}

def pp(name, desc):
    return {"name": name, "in": "path", "required": True, "description": desc, "schema": {"type": "string"}}

ERR = {"$ref": "#/components/responses/Error"}

def op(summary, role, responses=None, params=None, body=None, desc=None, public=False, tags=None):
    o = {"summary": summary, "x-min-role": role, "parameters": params or [],
         "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    if responses:
        o["responses"] = responses
    if desc:
        o["description"] = desc
    if body:
        o["requestBody"] = body
    if tags:
        o["tags"] = tags
    if public:
        o["security"] = []
    else:
        o["responses"].update({"401": ERR, "403": ERR, "429": ERR})
    o["responses"].setdefault("default", ERR)
    return o

paths = {}
def add(method, path, o):
    paths.setdefault(path, {})[method.lower()] = o

plain_ok = lambda d, ct="application/json": {"200": {"description": d, "content": {ct: {"schema": {"type": "object"} if ct.endswith("json") else {"type": "string"}}}}}
add("GET", "/healthz", op("Liveness: 200 while the process serves", "public", plain_ok("alive"), public=True, tags=["system"]))
add("GET", "/readyz", op("Readiness: 200, or 503 while draining for shutdown", "public", {**plain_ok("ready"), "503": ERR}, public=True, tags=["system"]))
add("GET", "/metrics", op("Prometheus metrics (text format 0.0.4)", "public", plain_ok("metrics", "text/plain"), public=True, tags=["system"]))
add("GET", "/v1/openapi.json", op("This document", "public", plain_ok("the OpenAPI document"), public=True, tags=["system"]))
add("GET", "/v1/whoami", op("The calling token's id, name and role", "viewer", tags=["system"]))
add("GET", "/v1/tokens", op("List tokens (never their secret part)", "admin", tags=["tokens"]))
add("POST", "/v1/tokens", op("Create a token; the response holds it once", "admin",
    {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedToken"}}}}, "400": ERR, "409": ERR},
    body={"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["name", "role"], "properties": {
        "name": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "operator", "analyst", "viewer"]}}}}}}, tags=["tokens"]))
add("DELETE", "/v1/tokens/{id}", op("Revoke a token by id or name", "admin", params=[pp("id", "Token id or name")], tags=["tokens"]))
add("POST", "/v1/events", op("Ingest canonical events (NDJSON)", "operator",
    {"200": {"description": "committed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestSummary"}}}},
     "400": ERR, "413": ERR, "503": ERR},
    params=[qp("skip_invalid", "true: store the valid lines, count and report the rest. false (default): all-or-nothing.", {"type": "boolean", "default": False})],
    body={"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}, "example": '{"id":"m1","type":"message.posted","ts":"2024-05-01T09:00:00Z","platform":"telegram","community":"g1","actor":"u1","message_id":"m1","text":"hi"}\n'}}},
    desc="One event per line (docs/formats/events.md). The answer comes only after the batch is durable (committed). "
         "Without skip_invalid the request is all-or-nothing: the first invalid line fails it with 400 and details.line. "
         "Re-sending events is a no-op: ids are idempotency keys (counted as duplicates).", tags=["ingest"]))
add("GET", "/v1/stats", op("What the store holds (as `qun stats --json`)", "viewer", tags=["workspace"]))
add("GET", "/v1/communities", op("Communities with event counts and first/last event", "viewer", tags=["workspace"]))
add("GET", "/v1/members", op("List and search members", "analyst", params=[
    qp("q", "Substring of a name or account (platform:id), or a member number"),
    qp("community", PARAM_DOC["community"]),
    qp("limit", "Page size, 0..1000 (default 50)", {"type": "integer"}),
    qp("offset", "Rows to skip (default 0)", {"type": "integer"})], tags=["members"]))
add("GET", "/v1/members/{id}", op("Member profile: accounts, attributes, merges", "analyst", params=[pp("id", "Member number or platform:account")], tags=["members"]))
add("GET", "/v1/members/{id}/timeline", op("A member's events, newest first", "analyst", params=[
    pp("id", "Member number or platform:account"),
    qp("limit", "Events per page, 0..1000 (default 100)", {"type": "integer"}),
    qp("offset", "Events to skip (next_offset of the previous page)", {"type": "integer"})], tags=["members"],
    desc="Newest first by event time, ties by seq. The answer holds total and next_offset (null on the last page)."))
add("POST", "/v1/members/{id}/merge", op("Merge another member into this one (manual identity merge)", "operator",
    params=[pp("id", "The surviving member")],
    body={"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["from"], "properties": {
        "from": {"type": "string", "description": "Member number or platform:account to merge away"}, "reason": {"type": "string"}}}}}}, tags=["members"]))
add("GET", "/v1/merges", op("Identity merge history (automatic and manual)", "analyst", tags=["members"]))
add("POST", "/v1/merges/{id}/unmerge", op("Undo a merge", "operator", params=[pp("id", "Merge record id")],
    body={"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {"reason": {"type": "string"}}}}}}, tags=["members"]))
# Moderation (docs/moderation.md#http-api).
add("POST", "/v1/moderate", op("Moderate texts or events with the data directory's ruleset", "operator",
    {"200": {"description": "One result object for a {\"text\"} body; NDJSON (one object per line) otherwise",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModerationResult"}},
                         "application/x-ndjson": {"schema": {"type": "string"}}}}, "400": ERR, "409": ERR, "429": ERR},
    body={"required": True, "content": {
        "application/json": {"schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}, "example": {"text": "加我微信"}},
        "application/x-ndjson": {"schema": {"type": "string"}, "description": "Lines as `qun moderate` reads them: a canonical event, an object with text, or plain text"}}},
    desc="The same JSON objects as `qun moderate --json` (verdict, matches with UTF-8 byte offsets, masked; action and findings when a detector fired). "
         "Each request uses a fresh engine: flood/duplicate detectors see only the request's own events. 409 when moderation is not enabled.", tags=["moderation"]))
add("GET", "/v1/review", op("The review queue, newest first", "operator", params=[
    qp("status", "pending (default) | confirmed | overturned | all"),
    qp("rule", "Only items on which this rule fired (e.g. lexicon:ads)"),
    qp("community", "Only this community id"),
    qp("limit", "Page size, 0..1000 (default 100)", {"type": "integer"}),
    qp("offset", "Items to skip (next_offset of the previous page)", {"type": "integer"})], tags=["moderation"],
    desc="Items hold the message text, member, community, action, rules and findings; the answer holds total and next_offset (null on the last page)."))
add("GET", "/v1/review/stats", op("Review outcomes and the false-positive rate per rule", "analyst", tags=["moderation"],
    desc="false_positive_rate = overturned / (confirmed + overturned), null while nothing is decided (docs/moderation.md#review-queue)."))
add("GET", "/v1/review/{id}", op("One review item with its context and decisions", "operator", params=[pp("id", "Review item id")], tags=["moderation"],
    desc="context: up to 3 messages just before it in the same community (ingested items); decisions: the audit log of the item."))
add("POST", "/v1/review/{id}/decision", op("Decide a review item (audited; reviewer = the token's name)", "operator",
    params=[pp("id", "Review item id")],
    body={"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["decision"], "properties": {
        "decision": {"type": "string", "enum": ["confirm", "overturn"]}, "note": {"type": "string"}}}}}}, tags=["moderation"]))
add("GET", "/v1/moderation/findings", op("Findings of inline moderation, newest first", "operator", params=[
    qp("community", "Only this community id"),
    qp("rule", "Only findings of this rule"),
    qp("member", "Only this member (platform:actor)"),
    qp("action", "Minimum action: flag (default) | mask | recall | mute | remove"),
    qp("since", "Only messages at or after this RFC 3339 time"),
    qp("before_seq", "Paging: only seq below this (next_before_seq of the previous page)", {"type": "integer"}),
    qp("limit", "Page size, 0..1000 (default 100)", {"type": "integer"})], tags=["moderation"],
    desc="One row per message whose verdict was flag or stronger: seq, event id, community, member, time, action, rules, findings with offsets, masked text, review item."))
add("GET", "/v1/moderation/bans", op("The shared ban list", "operator", tags=["moderation"]))
add("POST", "/v1/moderation/bans", op("Ban a member in every community and platform", "admin",
    {"201": {"description": "banned", "content": {"application/json": {"schema": {"type": "object"}}}},
     "200": {"description": "was already banned", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": ERR},
    body={"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["member"], "properties": {
        "member": {"type": "string", "description": "platform:actor"}, "reason": {"type": "string"}}}}}}, tags=["moderation"]))
add("DELETE", "/v1/moderation/bans/{member}", op("Lift a ban", "admin", params=[pp("member", "platform:actor")], tags=["moderation"]))
for name, summary in METRICS.items():
    params = [qp(p, PARAM_DOC[p]) for p in ["community", "from", "to", "tz"] + METRIC_EXTRA.get(name, [])]
    add("GET", "/v1/metrics/" + name, op(summary, "viewer", params=params, tags=["metrics"],
        desc=f"The same JSON as `qun metrics {name} --json` with the same parameters."))

doc = {
    "openapi": "3.0.3",
    "info": {"title": "qun API", "version": "1",
             "description": "REST API of qun, the community operations engine. Guide: docs/api/README.md. "
                            "Each operation states its minimum role in x-min-role (viewer < analyst < operator < admin)."},
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "paths": paths,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "qun_… token from `qun token create`"}},
        "responses": {"Error": {"description": "Structured error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
                "code": {"type": "string", "enum": ["invalid_argument", "not_found", "already_exists", "failed_precondition", "permission_denied", "unauthenticated", "resource_exhausted", "unavailable", "data_loss", "internal"]},
                "message": {"type": "string"}, "details": {"type": "object"}}}}},
            "IngestSummary": {"type": "object", "required": ["imported", "duplicates", "rejected"], "properties": {
                "imported": {"type": "integer"}, "duplicates": {"type": "integer"}, "rejected": {"type": "integer"},
                "rejects": {"type": "array", "description": "With skip_invalid: the first 100 rejected lines", "items": {"type": "object", "properties": {"line": {"type": "integer"}, "error": {"type": "string"}}}}}},
            "ModerationResult": {"type": "object", "required": ["verdict", "matches", "masked"], "properties": {
                "verdict": {"type": "string", "enum": ["allow", "flag", "mask", "block"]},
                "matches": {"type": "array", "items": {"type": "object", "properties": {"word": {"type": "string"}, "category": {"type": "string"}, "start": {"type": "integer"}, "end": {"type": "integer"}}}},
                "masked": {"type": "string"}, "action": {"type": "string"}, "findings": {"type": "array", "items": {"type": "object"}}}},
            "CreatedToken": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string"}, "created": {"type": "string"}, "token": {"type": "string"}}},
        },
    },
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "api", "openapi.json")
with open(out, "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
