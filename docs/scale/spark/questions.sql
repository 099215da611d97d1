-- The common questions over residency's per-flow records, in Spark SQL.
--
-- The records: `--parquet` files (schema residency.flows/2, docs/records.md), read as one view:
--   spark.read.parquet("flows/*.parquet").createOrReplaceTempView("flows")
-- Column names are the records' dotted field names, quoted with backticks. Spark reads the
-- unsigned 64-bit counters as DECIMAL(20,0): sums are cast to BIGINT. Give every sensor a
-- name (`--sensor NAME`): it is `observer.name`, the site below. Each query is checked by
-- tests/parquet_records.rs in Spark's local mode; the first two against the report's totals.
-- Guide: docs/scale.md.

-- name: payload_out_of_the_eu_eea
-- Payload that left the EU/EEA, per site, day and service: the data itself
-- (Residency.answer.payload_to_remote), of flows a remote destination answered. The sum over
-- all rows is the report's summary.answer.left_eu_eea.yes.
SELECT `observer.name` AS site,
       to_date(`@timestamp`) AS day,
       coalesce(`Residency.service.name`, '(no service matched)') AS service,
       count(*) AS flows,
       CAST(sum(`Residency.answer.payload_to_remote`) AS BIGINT) AS payload_bytes,
       sort_array(collect_set(`Residency.evidence.input_sha256`)) AS inputs
FROM flows
WHERE `Residency.remote` IS NOT NULL
  AND `Residency.answer.answered`
  AND `Residency.answer.left_eu_eea` = 'yes'
GROUP BY 1, 2, 3
ORDER BY payload_bytes DESC, site, day, service;

-- name: payload_out_of_the_home_country
-- The same for the home country (runs with --home): summary.answer.left_home.yes.
SELECT `observer.name` AS site,
       to_date(`@timestamp`) AS day,
       coalesce(`Residency.service.name`, '(no service matched)') AS service,
       count(*) AS flows,
       CAST(sum(`Residency.answer.payload_to_remote`) AS BIGINT) AS payload_bytes,
       sort_array(collect_set(`Residency.evidence.input_sha256`)) AS inputs
FROM flows
WHERE `Residency.remote` IS NOT NULL
  AND `Residency.answer.answered`
  AND `Residency.answer.left_home` = 'yes'
GROUP BY 1, 2, 3
ORDER BY payload_bytes DESC, site, day, service;

-- name: providers_under_non_eu_law
-- Payload to providers whose controlling parent sits outside the EU/EEA, per site, day,
-- provider and its jurisdiction (US: the CLOUD Act applies, Residency.destination.cloud_act).
SELECT `observer.name` AS site,
       to_date(`@timestamp`) AS day,
       `Residency.destination.provider` AS provider,
       `Residency.destination.provider_jurisdiction` AS jurisdiction,
       bool_or(`Residency.destination.cloud_act`) AS cloud_act,
       count(*) AS flows,
       CAST(sum(`Residency.answer.payload_to_remote`) AS BIGINT) AS payload_bytes,
       sort_array(collect_set(`Residency.evidence.input_sha256`)) AS inputs
FROM flows
WHERE `Residency.destination.foreign_control` AND `Residency.answer.answered`
GROUP BY 1, 2, 3, 4
ORDER BY payload_bytes DESC, site, day, provider;

-- name: contradicted_placements
-- Addresses whose round trips rule out the databases' country, per site: the country, the
-- distance bound, and the flows' first packets to check. A record's verdict is as of its
-- flow's end; cite the report's addresses[].physics (docs/records.md).
SELECT `observer.name` AS site,
       `destination.ip` AS address,
       `Residency.physics.country` AS database_country,
       CAST(min(`Residency.physics.max_distance_km`) AS BIGINT) AS within_km,
       count(*) AS flows,
       CAST(min(`Residency.evidence.first_packet.number`) AS BIGINT) AS first_packet
FROM flows
WHERE `Residency.physics.verdict` = 'contradicts-database'
GROUP BY 1, 2, 3
ORDER BY site, address;

-- name: flows_seen_by_several_sensors
-- Flows recorded by more than one sensor (the same Community ID and first packet time): count
-- each once when summing across sites.
SELECT `event.id` AS flow,
       count(DISTINCT `observer.name`) AS sensors,
       sort_array(collect_set(`observer.name`)) AS seen_by
FROM flows
GROUP BY 1
HAVING count(DISTINCT `observer.name`) > 1
ORDER BY flow;
