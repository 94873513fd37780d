%%lambda words --runtime provided.al2023
#!/bin/bash
# A custom runtime: count the words of the event's text and reverse them, one event after another.
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  if ! echo "$EVENT" | grep -q '"text": *"'; then
    curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/error" \
      -d '{"errorType": "MissingText", "errorMessage": "the event has no text"}'
    continue
  fi
  TEXT=$(echo "$EVENT" | sed 's/.*"text": *"\([^"]*\)".*/\1/')
  REVERSED=""
  COUNT=0
  for WORD in $TEXT; do
    REVERSED="$WORD${REVERSED:+ }$REVERSED"
    COUNT=$((COUNT + 1))
  done
  curl -sS -o /dev/null "$API/invocation/$REQUEST_ID/response" \
    -d "{\"words\": $COUNT, \"reversed\": \"$REVERSED\"}"
done
