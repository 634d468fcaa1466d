-- The seed, for compose/hstreamdb-tcp.yaml: every publish on temp_hum/emqx becomes one JSON
-- record in the HStreamDB stream temp_hum (created by the hstream-init service), keyed by client id.
-- Mounted into the rulemq container at /etc/rulemq/rules.sql (RULEMQ_RULES). Edit it and reload
-- with `docker compose -f compose/hstreamdb-tcp.yaml kill -s HUP rulemq`.

CREATE CONNECTOR hstream TYPE hstreamdb WITH (
  url = 'hstream://hserver:6570',
  grpc_timeout = '30s'
);

CREATE ACTION to_hstream TYPE hstreamdb WITH (
  connector = 'hstream',
  stream = 'temp_hum',
  partition_key = '${client_id}',
  record_template = '{"up_timestamp": ${up_timestamp}, "client_id": ${client_id}, "temp": ${temp}, "hum": ${hum}}'
);

CREATE RULE temp_hum AS
  SELECT timestamp as up_timestamp, clientid as client_id,
         payload.temp as temp, payload.hum as hum
  FROM "temp_hum/emqx"
  INTO to_hstream;
