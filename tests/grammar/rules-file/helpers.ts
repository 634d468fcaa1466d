// Shared fixtures for the rules-file tests (not a test file itself).
import type { Pos } from '../../../grammar/rules-file/index.js';

/** The example from the format spec, verbatim. */
export const EXAMPLE = `-- a connection to a server (HStreamDB here; more types later)
CREATE CONNECTOR hstream TYPE hstreamdb WITH (
  url = 'hstream://127.0.0.1:6570',
  grpc_timeout = '30s',
  password = env('HSTREAM_PASSWORD')
);

-- what to write, and how
CREATE ACTION to_hstream TYPE hstreamdb WITH (
  connector = 'hstream',
  stream = 'temp_hum',
  partition_key = '\${client_id}',
  record_template = '{"up_timestamp": \${up_timestamp}, "client_id": \${client_id}, "temp": \${temp}, "hum": \${hum}}',
  query_mode = 'async',
  batch_size = 100,
  batch_interval = '500ms'
);

CREATE RULE temp_hum AS
  SELECT timestamp as up_timestamp, clientid as client_id,
         payload.temp as temp, payload.hum as hum
  FROM "temp_hum/emqx"
  INTO to_hstream;

CREATE RULE alerts DISABLED DESCRIPTION 'too hot' AS
  SELECT payload.temp as t FROM "t/#" WHERE payload.temp > 30
  INTO console, republish(topic = 'alerts/\${clientid}', qos = 1, retain = false, payload = '\${t}'), to_hstream;
`;

/**
 * Position of the `nth` (0-based) occurrence of `needle`, computed by walking the text, independently of the
 * parser's LineIndex.
 */
export function at(text: string, needle: string, nth = 0): Pos {
  let offset = -1;
  for (let k = 0; k <= nth; k++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset === -1) throw new Error(`fixture: ${JSON.stringify(needle)} #${nth} not found`);
  }
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset; i++) {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column, offset };
}
