-- Names that only survive exact quoting: mixed case, spaces, double quotes, non-ASCII, reserved words,
-- and a table name long enough that index names must be cut to 63 bytes on a character boundary.
CREATE SCHEMA "Sales Data";
CREATE DOMAIN "bıgınt" AS bigint;
CREATE TABLE "Sales Data"."Order ""Items""" (
  "ID" "bıgınt" PRIMARY KEY,
  "select" text NOT NULL,
  "Ünïcødé" integer,
  "with space" timestamptz,
  tags text[],
  flag boolean
);
INSERT INTO "Sales Data"."Order ""Items"""
SELECT g, 'item ' || (g % 97), g % 13, timestamptz '2024-01-01' + g * interval '1 hour', ARRAY['a' || (g % 5)], g % 2 = 0
FROM generate_series(1, 2000) AS g;
CREATE TABLE "user" ("group" integer, "Order" text, "left" integer);
INSERT INTO "user" SELECT g % 50, 'o' || g, g - 1000 FROM generate_series(1, 2000) AS g;
CREATE TABLE "größenordnung_größenordnung_größenordnung_größe" (
  "maßeinheit_maßeinheit_maßeinheit" integer,
  "maßeinheit_maßeinheit_maßeinheiu" integer
);
INSERT INTO "größenordnung_größenordnung_größenordnung_größe" SELECT g, g FROM generate_series(1, 100) AS g;
ANALYZE;
