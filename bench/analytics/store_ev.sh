# Sourced by run.sh and verify_churn_twins.sh: the store mode's load of the SQL
# twins' table `ev` (bench/analytics/sql_tables.cc has its columns) from a qun
# data directory attached as `src`, with table person(account, member) already
# in the database. One place for the json_extract mapping; docs/benchmarks.md
# "SQL twins in each mode".
ev_insert_sql() {
  cat <<'SQL'
INSERT INTO ev SELECT ts, json_extract(body,'$.type'), community, e.account, p.member, json_extract(body,'$.message_id'),
  json_extract(body,'$.reply_to'), json_extract(body,'$.text'), json_extract(body,'$.category'),
  CAST(round(json_extract(body,'$.amount')*100) AS INTEGER), json_extract(body,'$.currency'),
  json_extract(body,'$.nps'), i.actor, i.inviter, ip.member, e.seq
  FROM src.events e JOIN person p ON p.account = e.account
  -- Invites (type 0 = member.joined naming an inviter): joiner and inviter account labels, the inviter's person.
  LEFT JOIN (SELECT j.seq, json_extract(j.body,'$.platform') || ':' || json_extract(j.body,'$.actor') AS actor,
      json_extract(j.body,'$.platform') || ':' || json_extract(j.body,'$.inviter') AS inviter,
      a.id AS inviter_account
    FROM src.events j JOIN src.accounts a ON a.platform = j.platform AND a.ext_id = json_extract(j.body,'$.inviter')
    WHERE j.type = 0) i ON i.seq = e.seq
  LEFT JOIN person ip ON ip.account = i.inviter_account
  ORDER BY e.seq;
SQL
}
