#!/usr/bin/env bash
# `make demo`: ingest the demo knowledge base, then run the service (API, citizen page, agent
# panel) and the staff console until Ctrl-C. Everything stays on this machine.
set -euo pipefail
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
CONSOLE_PORT=${CONSOLE_PORT:-7860}
DATA=${GOVASSIST_DATA_DIR:-data}

"$BIN/govassist" ingest ingest/demo_kb --prune || [ $? -eq 2 ]   # 2: some file failed, the rest is in
"$BIN/govassist" kb stats
"$BIN/govassist" match extract eval_sets/policy_matching/policies >/dev/null   # 示例市 support items

key_file="$DATA/console.key"
if [ ! -s "$key_file" ]; then
    mkdir -p "$DATA"
    "$BIN/govassist" keys create --role admin --name 演示控制台 | tail -n 1 > "$key_file"
    chmod 600 "$key_file"
fi

"$BIN/govassist" serve --host "$HOST" --port "$PORT" &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
    curl -fs "http://$HOST:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 1
done
cat <<MSG

  市民问答页面   http://$HOST:$PORT/
  企业找政策     http://$HOST:$PORT/enterprise
  坐席工作台     http://$HOST:$PORT/agent   （坐席密钥：.venv/bin/govassist keys create --role agent --name 姓名）
  接口文档       http://$HOST:$PORT/docs
  工作人员控制台 http://$HOST:$CONSOLE_PORT/  （管理员密钥保存在 $key_file）

MSG
GOVASSIST_CONSOLE_KEY=$(cat "$key_file") "$BIN/govassist" console --api "http://$HOST:$PORT" --host "$HOST" --port "$CONSOLE_PORT"
