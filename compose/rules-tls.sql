-- The seed over TLS, for compose/hstreamdb-tls.yaml: the same rule and record as rules.sql, written
-- to the 2-node cluster with hstreams:// and verified against the CA made by compose/gen-certs.sh
-- (mounted read-only at /etc/rulemq/certs/ca.crt). The node certificate names hserver0, hserver1
-- and both nodes' advertised IP addresses, so every node the cluster hands out verifies.

CREATE CONNECTOR hstream TYPE hstreamdb WITH (
  url = 'hstreams://hserver0:6570,hserver1:6572',
  grpc_timeout = '30s',
  ssl_ca = '/etc/rulemq/certs/ca.crt'
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
