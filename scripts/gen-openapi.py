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
SCOPE = [qp("community", PARAM_DOC["community"]),
         qp("as_of", "Evaluation day YYYY-MM-DD for stage, level and RFM (default: the local day of the workspace's last event)"),
         qp("tz", PARAM_DOC["tz"])]
LIST_PARAMS = [
    qp("q", "Substring of a name or account (platform:id), or a member number (API only; applied before paging)"),
    qp("stage", "newcomer|active|silent|churn-risk|churned|resurrected; comma-separated = any of"),
    qp("level", "L1..L5, 'L4+' = L4 or higher; comma-separated = any of"),
    qp("rfm", "RFM tier slug (champions, loyal, at_risk, …); comma-separated = any of"),
    qp("tag", "Tag name, manual or rule-based; comma-separated = any of"),
    qp("segment", "Only members of this saved segment"),
    qp("where", "Filter in the segment language (docs/members.md §8), e.g. stage=active and level>=L4"),
    qp("sort", "events (default) | last_seen | contribution | id"),
    qp("limit", "Page size, 0..1000 (default 50)", {"type": "integer"}),
    qp("offset", "Rows to skip (default 0)", {"type": "integer"})] + SCOPE
add("GET", "/v1/members", op("List members with stage, level, RFM, tags; filter, sort, page", "analyst", params=LIST_PARAMS, tags=["members"],
    desc="The same JSON as `qun members list --json` with the same filters: {total, as_of, members[]}. "
         "The filters are ANDed; comma-separated values of one parameter are ORed (as the CLI's repeated flags)."))
add("GET", "/v1/members/overview", op("Population overview: stages, pyramid with transitions, 80/20, RFM tiers", "viewer", params=SCOPE, tags=["members"],
    desc="The same JSON as `qun members overview --json` (docs/members.md §9)."))
for section, summary in [("stages", "Member stage counts"), ("pyramid", "Pyramid levels, shares and the 7-day level transition (层级跃迁率)"),
                         ("rfm", "RFM tier counts and the R × FM grid"), ("contribution", "Contribution 80/20 view: top-20% share, Gini, Lorenz curve")]:
    add("GET", "/v1/members/" + section, op(summary, "viewer", params=SCOPE, tags=["members"],
        desc=f"{{as_of, members, {section}}}: the `{section}` section of /v1/members/overview" +
             (" plus grid {counts[r-1][fm-1], tiers[r-1][fm-1]}." if section == "rfm" else ".")))
add("GET", "/v1/members/{id}/profile", op("A member's stage, level, RFM, contribution, tags and level history", "analyst",
    params=[pp("id", "Member number or platform:account"), SCOPE[1], SCOPE[2]], tags=["members"],
    desc="The `profile` object of `qun members show --json` (docs/members.md §9); 404 when the member has no events."))
add("GET", "/v1/tags", op("Tags carried by members in scope (rule-based and manual) with member counts", "analyst", params=SCOPE, tags=["tags"],
    desc="{as_of, tags: [{tag, members, manual}]}; manual = members carrying it as a manual tag."))
add("POST", "/v1/members/{id}/tags", op("Add manual tags to a member", "operator", params=[pp("id", "Member number or platform:account")],
    body={"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["tags"], "properties": {
        "tags": {"type": "array", "items": {"type": "string"}, "description": "1–64 bytes each, no quotes or control characters"}}}}}},
    tags=["tags"], desc="As `qun members tag --json`: {member, tagged, changed}. Tags are kept per account in members.db."))
add("DELETE", "/v1/members/{id}/tags/{tag}", op("Remove a manual tag from a member", "operator",
    params=[pp("id", "Member number or platform:account"), pp("tag", "Tag name (URL-encoded)")], tags=["tags"],
    desc="As `qun members untag --json`: {member, untagged, changed}; changed 0 when the member did not carry it manually."))
add("GET", "/v1/segments", op("Saved segments with their current member counts", "analyst",
    params=[SCOPE[1], SCOPE[2]], tags=["segments"], desc="The same JSON as `qun members segments list --json`."))
SEG_BODY = lambda req: {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": req, "properties": {
    "name": {"type": "string"}, "filter": {"type": "string", "description": "docs/members.md §8"},
    "replace": {"type": "boolean", "description": "Overwrite a segment of that name (default false: 409)"}}}}}}
add("POST", "/v1/segments", op("Save a segment (a named filter)", "operator",
    {"201": {"description": "created", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": ERR, "409": ERR},
    body=SEG_BODY(["name", "filter"]), tags=["segments"], desc="Answers {name, filter} with the filter in canonical form."))
add("PUT", "/v1/segments/{name}", op("Change a saved segment's filter", "operator", params=[pp("name", "Segment name")],
    responses={**plain_ok("updated"), "400": ERR, "404": ERR}, body=SEG_BODY(["filter"]), tags=["segments"]))
add("DELETE", "/v1/segments/{name}", op("Delete a saved segment", "operator", params=[pp("name", "Segment name")], tags=["segments"]))
add("GET", "/v1/segments/{name}/members", op("Members of a saved segment", "analyst", params=[pp("name", "Segment name")] + LIST_PARAMS, tags=["segments"],
    desc="As GET /v1/members?segment={name} (= `qun members list --segment NAME --json`)."))
add("GET", "/v1/health", op("Community health score: 10 indicators, grade, suggestions", "viewer", params=[
    qp("community", PARAM_DOC["community"]),
    qp("as_of", "Evaluation day YYYY-MM-DD (default: the local day of the last event in scope)"),
    qp("tz", PARAM_DOC["tz"]), qp("lang", "zh | en (default en): names and suggestions")], tags=["health"],
    desc="The same JSON as `qun health --json` (docs/health.md §4). 409 when the scope has no events."))
add("GET", "/v1/reports/weekly", op("Weekly community health report (HTML, Markdown or JSON)", "analyst",
    {"200": {"description": "the report", "content": {"text/html": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}},
                                                      "application/json": {"schema": {"type": "object"}}}}, "400": ERR, "409": ERR},
    params=[qp("week", "ISO week YYYY-Www (default: the last complete ISO week in the data)"),
            qp("format", "html (default, text/html) | md (text/markdown) | json"),
            qp("lang", "zh | en (default en)"), qp("community", PARAM_DOC["community"]), qp("tz", PARAM_DOC["tz"])], tags=["health"],
    desc="Byte for byte what `qun report` prints for the same options (docs/health.md §5). Analyst: it names top contributors."))
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
add("POST", "/v1/moderation/reload", op("Reload the moderation rules", "admin", tags=["moderation"],
    desc="Re-reads the data directory's moderation.json (lexicons, allow-lists, policy), builds the new ruleset "
         "and swaps it in without pausing ingest (the same as SIGHUP to `qun serve`). Answers "
         "`{\"reloaded\": true, \"lexicon_entries\": N}`; on an error the running rules stay in force. "
         "failed_precondition when moderation was not enabled when the server started (enabling needs a restart)."))
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
