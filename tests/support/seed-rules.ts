/** The seed rules.sql (as in the README) with its connector pointed at 127.0.0.1:`port`; used by the e2e test and the benchmarks. */
export function seedRules(port: number, ackMode?: 'broker' | 'sink'): string {
  return `
CREATE CONNECTOR hstream TYPE hstreamdb WITH (
  url = 'hstream://127.0.0.1:${port}',
  grpc_timeout = '30s'
);

CREATE ACTION to_hstream TYPE hstreamdb WITH (
  connector = 'hstream',
  stream = 'temp_hum',
  partition_key = '\${client_id}',
  record_template = '{"up_timestamp": \${up_timestamp}, "client_id": \${client_id}, "temp": \${temp}, "hum": \${hum}}',
  query_mode = 'async',
  batch_size = 100,
  batch_interval = '50ms'${ackMode ? `,\n  ack_mode = '${ackMode}'` : ''}
);

CREATE RULE temp_hum AS
  SELECT timestamp as up_timestamp, clientid as client_id,
         payload.temp as temp, payload.hum as hum
  FROM "temp_hum/emqx"
  INTO to_hstream;
`;
}
