/**
 * The catalog queries of a snapshot: five or six statements for a whole plan, whatever its size.
 * Names and patterns travel as array parameters; oids as oid[]; nothing is interpolated. None of them waits
 * behind another session's lock except to deparse an index expression or predicate (see INDEXES_SQL).
 */
import { quoteIdent } from '../sql/quote.js';

/** Server version, settings, search_path, extensions, access methods, operator classes, casts, tablespaces. */
export const SERVER_SQL = `
select current_setting('server_version_num')::int as version_num,
       current_setting('server_version') as version,
       current_database() as database,
       current_schemas(false)::text[] as search_path,
       current_setting('max_parallel_maintenance_workers')::int as max_parallel_maintenance_workers,
       current_setting('max_worker_processes')::int as max_worker_processes,
       current_setting('max_parallel_workers')::int as max_parallel_workers,
       pg_size_bytes(current_setting('maintenance_work_mem'))::int8 as maintenance_work_mem,
       current_setting('max_connections')::int as max_connections,
       current_user::text as role,
       pg_is_in_recovery() as in_recovery,
       current_setting('is_superuser') = 'on' as superuser,
       (select coalesce(json_agg(x order by x.name), '[]')
          from (select coalesce(e.extname::text, a.name::text) as name,
                       e.extversion as installed,
                       a.default_version as available,
                       n.nspname as schema
                  from pg_available_extensions a
                  full join pg_extension e on e.extname = a.name
                  left join pg_namespace n on n.oid = e.extnamespace) x) as extensions,
       (select coalesce(json_agg(am.amname order by am.amname), '[]') from pg_am am where am.amtype = 'i') as access_methods,
       (select coalesce(json_agg(x order by x.method, x.name, x."inputTypeName"), '[]')
          from (select o.oid::int8 as oid,
                       am.amname as method,
                       o.opcname as name,
                       n.nspname as schema,
                       o.opcintype::int8 as "inputType",
                       format_type(o.opcintype, null) as "inputTypeName",
                       o.opcdefault as "isDefault",
                       x.extname as extension,
                       it.typcategory::text as "inputTypeCategory",
                       it.typispreferred as "inputTypePreferred"
                  from pg_opclass o
                  join pg_am am on am.oid = o.opcmethod and am.amtype = 'i'
                  join pg_type it on it.oid = o.opcintype
                  join pg_namespace n on n.oid = o.opcnamespace
                  left join pg_depend d on d.classid = 'pg_opclass'::regclass and d.objid = o.oid
                                       and d.refclassid = 'pg_extension'::regclass and d.deptype = 'e'
                  left join pg_extension x on x.oid = d.refobjid) x) as opclasses,
       -- what IsBinaryCoercible accepts: binary casts usable implicitly
       (select coalesce(json_agg(json_build_object('source', c.castsource::int8, 'target', c.casttarget::int8)
                                 order by c.castsource, c.casttarget), '[]')
          from pg_cast c where c.castmethod = 'b' and c.castcontext = 'i') as binary_coercions,
       (select coalesce(json_agg(t.spcname order by t.spcname), '[]') from pg_tablespace t) as tablespaces
`;

/**
 * The CTEs that match the plan's patterns: `tree`, the tables they match, then the partitions of the
 * partitioned ones, recursively; `rels`, those and the other relations the patterns name.
 * Pattern i is ($1[i], $2[i], $3[i], $4[i]) = (schema exact, schema LIKE, table exact, table LIKE);
 * a pattern without a schema looks through search_path, where (as in PostgreSQL) the first schema
 * holding a relation of a given name hides the others, whatever kind of relation it is.
 *
 * Rows of relkind r, p and m are the indexable tables; a relation of another kind (a view, a sequence…)
 * comes back only when a pattern names it exactly, so that resolution can say what it is.
 *
 * It scales with the catalog and the plan, not with their product (issue 16: 1,000 globs on a catalog
 * of 60,000 relations were a nested loop of 60 million LIKEs). Each pattern is first paired with the
 * schemas it can match (`scope`: pg_namespace is small). The exact names are looked up together
 * (one index scan of relname = any), then paired with their schemas by hashing. A glob is matched
 * only against the relations that start with its literal prefix (what precedes its first % or _):
 * the relations of the globs' schemas are cut to each prefix length the globs have (a handful) and
 * joined to the globs on (schema, prefix) by hashing, so LIKE runs on true candidates only; a glob
 * without a prefix (`*_log`) still reads its whole schemas.
 *
 * Nothing here opens a relation, so nothing waits behind another session's lock: sizes come from
 * relpages (pg_table_size would take ACCESS SHARE on the table), privileges from the catalog.
 */
const MATCH_CTES = `
pat as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
    with ordinality as p(schema_exact, schema_like, table_exact, table_like, i)
),
-- search_path's schemas (current_schemas lists existing ones only), in order
path as (
  select s.nspname, s.pos, n.oid as nsp
    from unnest(current_schemas(false)) with ordinality as s(nspname, pos)
    join pg_namespace n on n.nspname = s.nspname
),
-- each pattern with the schemas it can match: the one it names, the ones its glob matches, or
-- search_path's, with their place in it (visible, below, picks among those)
scope as (
  select p.*, n.oid as nsp, null::int8 as pos from pat p join pg_namespace n on n.nspname = p.schema_exact::name
  union all
  select p.*, n.oid, null from pat p join pg_namespace n on n.nspname like p.schema_like where p.schema_like is not null
  union all
  select p.*, s.nsp, s.pos from pat p cross join path s where p.schema_exact is null and p.schema_like is null
),
-- a glob's literal prefix, unescaped: every name it matches starts with it
globs as (
  select s.*,
         regexp_replace(substring(s.table_like from '^(?:[^\\\\%_]|\\\\.)*'), '\\\\(.)', '\\1', 'g') collate "C" as prefix
    from scope s
   where s.table_like is not null
),
-- the relations of the globs' schemas, cut to each prefix length the globs have (offset 0: planned
-- on its own, so that the join below is on both keys, never globs × relations). Only the indexable
-- ones, unless a glob without a schema looks through a search_path of several schemas: there an
-- index or a view may hide a table of its name further on. (Every index of 10,000 tables was a
-- candidate otherwise: 4 times the rows, for nothing; issue 16.)
keyed as (
  select c.oid, c.relkind, c.relname, c.relnamespace, left(c.relname::text, l.len) collate "C" as prefix
    from (select distinct length(g.prefix) as len from globs g) l
    cross join pg_class c
   where c.relnamespace in (select g.nsp from globs g)
     and (c.relkind in ('r', 'p', 'm')
          or (select count(*) from path) > 1 and c.relnamespace in (select g.nsp from globs g where g.pos is not null))
  offset 0
),
-- the relations the exact names name, in any schema: one index scan for all the names (a lookup
-- per pattern cost 4 times as much at 10,000 names), joined to the patterns' schemas below
named as (
  select c.oid, c.relkind, c.relname, c.relnamespace
    from pg_class c
   where c.relname = any (array(select distinct p.table_exact::name from pat p where p.table_exact is not null))
),
-- each pattern's relations, in the schemas scope paired it with (so a pattern with a schema needs
-- no further check of it)
cand as (
  select s.table_exact, s.i, s.pos, c.oid, c.relkind, c.relname, c.relnamespace
    from scope s join named c on c.relname = s.table_exact::name and c.relnamespace = s.nsp
  union all
  select g.table_exact, g.i, g.pos, k.oid, k.relkind, k.relname, k.relnamespace
    from globs g join keyed k on k.relnamespace = g.nsp and k.prefix = g.prefix
   where k.relname like g.table_like
),
-- a pattern without a schema: of each name, the relation of the first schema in search_path
visible as (
  select distinct on (c.i, c.relname) c.oid, c.relkind, c.table_exact, c.relname, c.relnamespace
    from cand c
   where c.pos is not null
   order by c.i, c.relname, c.pos
),
matched as (
  select c.oid, c.relkind, c.table_exact, c.relname, c.relnamespace from cand c where c.pos is null
  union all
  select * from visible
),
-- the matched tables and their partitions, with what MATCHED_SQL returns of them
tree(oid, relkind, relname, relnamespace) as (
  select oid, relkind, relname, relnamespace from matched where relkind in ('r', 'p', 'm')
  union
  select i.inhrelid, c.relkind, c.relname, c.relnamespace
    from tree t
    join pg_inherits i on i.inhparent = t.oid
    join pg_class c on c.oid = i.inhrelid and c.relispartition and c.relkind in ('r', 'p')
),
rels as (
  select oid from tree
  union
  select oid from matched where relkind not in ('r', 'p', 'm') and table_exact is not null
)
`;

/** The relations of row source `r` (one column, `oid`): schema, name, kind, parent, sizes, owner, key. */
function relationsOf(source: string): string {
  return `
select c.oid::int8 as oid,
       n.nspname as schema,
       c.relname as name,
       c.relkind::text as relkind,
       pn.nspname as parent_schema,
       pc.relname as parent_name,
       c.reltuples::float8 as reltuples,
       c.relpages::int8 as relpages,
       (c.relpages::int8 + coalesce(toast.relpages, 0)::int8) * current_setting('block_size')::int8 as size_bytes,
       ts.spcname as tablespace,
       greatest(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) as last_analyzed,
       pg_get_userbyid(c.relowner) as owner,
       pg_has_role(c.relowner, 'USAGE') as can_index,
       -- only partitioned tables have a key: the others need not run the subquery (10,000 times)
       case when c.relkind = 'p' then
         (select array_agg(a.attname::text order by k.ord)
            from pg_partitioned_table pt
            cross join unnest(pt.partattrs::int2[]) with ordinality as k(attnum, ord)
            left join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = k.attnum and k.attnum > 0
           where pt.partrelid = c.oid)
       end as partition_key
  from ${source}
  join pg_class c on c.oid = r.oid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_class toast on toast.oid = c.reltoastrelid
  left join pg_inherits inh on c.relispartition and inh.inhrelid = c.oid
  left join pg_class pc on pc.oid = inh.inhparent
  left join pg_namespace pn on pn.oid = pc.relnamespace
  left join pg_tablespace ts on ts.oid = c.reltablespace
 order by n.nspname, c.relname
`;
}

/** The matching and the relations in one statement: what MATCHED_SQL then RELATIONS_SQL read in two. */
export const TABLES_SQL = `with recursive${MATCH_CTES}${relationsOf('rels r')}`;

/**
 * The plan's relations (MATCH_CTES, same parameters as TABLES_SQL) as small JSON arrays (the driver
 * parses a text[] of 10,000 elements several times slower than JSON.parse does), for the other
 * queries of the snapshot to start at once: `tables`, the indexable ones (tree), whose columns,
 * indexes and statistics are read, and `partitioned`, the partitioned ones among them (columnsSql);
 * `relations`, those and the other relations the plan names exactly, read by RELATIONS_SQL;
 * `schemas` and `names`, the tables' distinct schema and table names, for STATS_SQL. The matching is most of TABLES_SQL's work (a third of a second at 10,000 entries):
 * done once, then the tables, columns, indexes and statistics are read by oid on two sessions at once,
 * instead of each waiting for the 10,000 rows of the tables to come and be decoded (issue 16).
 */
export const MATCHED_SQL = `with recursive${MATCH_CTES}
select to_json(array(select oid::int8::text from tree)) as tables,
       to_json(array(select oid::int8::text from tree where relkind = 'p')) as partitioned,
       to_json(array(select oid::int8::text from rels)) as relations,
       to_json(array(select n.nspname::text from pg_namespace n where n.oid in (select relnamespace from tree))) as schemas,
       to_json(array(select distinct relname::text from tree)) as names
`;

/** The relations of the given oids ($1 oid[]), in TABLES_SQL's columns and order. */
export const RELATIONS_SQL = relationsOf('unnest($1::oid[]) as r(oid)');


/**
 * Columns of the given tables ($1 oid[]), as one row: COLUMN_FIELDS as JSON columns (jsonColumns),
 * unordered (the snapshot orders each table's few by attnum: a sort of 40,000 wide rows spilled to
 * disk), a column's type (typid, typmod) one of `types`, a JSON array of one array per distinct
 * type and modifier (TYPE_FIELDS in snapshot.ts): as written (format_type), unwrapped through
 * domains (and array elements too), with the owning extension of the base type. A catalog of 40,000
 * columns has a handful of types: written out per column they were most of the server's work and
 * 2.5 MB more JSON to parse (issue 16).
 *
 * `withStats` (a superuser): each column's statistics too, from pg_statistic by oid and attnum
 * (STATISTIC_AS_PG_STATS), else nulls and STATS_SQL reads them from pg_stats. Joined here, they cost
 * the server less than by names apart, and the client 40,000 rows less to parse and join (issue 16).
 * Which statistics row is a table's own comes from $2 (oid[]), the partitioned tables among $1:
 * their relkind looked up here was a scan of the whole of pg_class.
 */
export function columnsSql(versionNum: number, withStats: boolean): string {
  const generated = versionNum >= 120000 ? 'a.attgenerated::text' : "''::text";
  // A partitioned table's statistics are its inherited ones (it stores no row), any other table's its own.
  const statsJoin = withStats
    ? `
  left join ${STATISTIC_AS_PG_STATS} st on st.starelid = c.attrelid and st.staattnum = c.attnum and st.stainherit = (c.attrelid = any($2::oid[]))`
    : '';
  const stats = withStats ? statsValues('st') : STATS_VALUE_NAMES.map(() => 'null');
  return `
with recursive
cols as (
  select a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, ${generated} as generated, a.attcollation
    from pg_attribute a
   where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
),
types as (
  select distinct c.atttypid as oid from cols c
),
dom(start, cur) as (
  select oid, oid from types
  union all
  select d.start, t.typbasetype from dom d join pg_type t on t.oid = d.cur where t.typtype = 'd'
),
resolved as (
  select d.start, d.cur as base from dom d join pg_type t on t.oid = d.cur where t.typtype <> 'd'
),
elems as (
  select distinct t.typelem as oid
    from resolved r join pg_type t on t.oid = r.base
   where t.typcategory = 'A' and t.typelem <> 0
),
edom(start, cur) as (
  select oid, oid from elems
  union all
  select d.start, t.typbasetype from edom d join pg_type t on t.oid = d.cur where t.typtype = 'd'
),
eresolved as (
  select d.start, d.cur as base from edom d join pg_type t on t.oid = d.cur where t.typtype <> 'd'
),
kinds as (
  select distinct c.atttypid, c.atttypmod from cols c
),
col_rows as (
  select c.attrelid::int8::text as relid,
         c.attnum::int as attnum,
         c.attname as name,
         c.atttypid::int8 as typid,
         c.atttypmod as typmod,
         c.attnotnull as not_null,
         c.generated,
         co.collname as collation,
         ${stats.map((v, i) => `${v} as ${STATS_VALUE_NAMES[i]}`).join(',\n         ')}
    from cols c
    join resolved r on r.start = c.atttypid
    left join pg_collation co on co.oid = c.attcollation${statsJoin}
)
select ${jsonColumnList('q', COLUMN_FIELDS)},
       (select coalesce(json_agg(json_build_array(k.atttypid::int8,
                                                  k.atttypmod,
                                                  format_type(k.atttypid, k.atttypmod),
                                                  dt.typtype = 'd',
                                                  bt.oid::int8::text,
                                                  format_type(bt.oid, null),
                                                  bt.typcategory::text,
                                                  bt.typtype::text,
                                                  et.oid::int8::text,
                                                  format_type(et.oid, null),
                                                  x.extname)), '[]')
          from kinds k
          join pg_type dt on dt.oid = k.atttypid
          join resolved r on r.start = k.atttypid
          join pg_type bt on bt.oid = r.base
          left join eresolved er on bt.typcategory = 'A' and er.start = bt.typelem
          left join pg_type et on et.oid = er.base
          left join pg_depend d on d.classid = 'pg_type'::regclass and d.objid = bt.oid
                               and d.refclassid = 'pg_extension'::regclass and d.deptype = 'e'
          left join pg_extension x on x.oid = d.refobjid) as types
  from col_rows q
`;
}

/** The most distinct values a column may have for the snapshot to read its most common values. */
export const MCV_MAX_DISTINCT = 100;

/**
 * The statistics the snapshot keeps of a column, from a row `s` in pg_stats's names, as STATS_FIELDS
 * (snapshot.ts) from null_frac on. The most common values only for few distinct values (a partial
 * index on the rare ones): a list per column of a wide schema would cost more than every other
 * statistic together. As text: the column's own type is anyarray here.
 */
function statsValues(s: string): string[] {
  const mcv = `${s}.n_distinct > 0 and ${s}.n_distinct <= ${MCV_MAX_DISTINCT}`;
  return [
    `${s}.null_frac::float8`,
    `${s}.avg_width::int`,
    `${s}.n_distinct::float8`,
    `${s}.correlation::float8`,
    `case when ${mcv} then ${s}.most_common_vals::text::text[] end`,
    `case when ${mcv} then ${s}.most_common_freqs::float8[] end`,
  ];
}

/** The names of statsValues, in order. */
const STATS_VALUE_NAMES = ['null_frac', 'avg_width', 'n_distinct', 'correlation', 'most_common_vals', 'most_common_freqs'] as const;

/** The fields of columnsSql's rows, each a JSON column of its result. */
const COLUMN_FIELDS = ['relid', 'attnum', 'name', 'typid', 'typmod', 'not_null', 'generated', 'collation', ...STATS_VALUE_NAMES] as const;

/**
 * The statistics (pg_stats, which shows only what this role may read) of the tables named by
 * ($1 schemas, $2 table names): every pair of the two lists, a superset the snapshot narrows down to
 * its tables' columns, taking a partitioned table's inherited row and any other table's own. For a
 * role that is not a superuser: a superuser's come with the columns (columnsSql).
 *
 * Not joined to the columns in SQL: pg_stats exposes names only, and a join on names is planned from
 * row estimates that catalogs often get wrong; one bad estimate made it a merge join on the schema
 * name alone, every column of a 10,000-table schema against every statistic of it (minutes, not a
 * second). Selected by name arrays, the view's own joins are on oids, and the snapshot joins the rows
 * to the columns by hashing: linear whatever the estimates.
 */
export const STATS_SQL = `
select s.schemaname::text as schema, s.tablename::text as table_name, s.attname::text as name, s.inherited,
       ${statsValues('s').map((v, i) => `${v} as ${STATS_VALUE_NAMES[i]}`).join(',\n       ')}
  from pg_stats s
 where s.schemaname = any($1::name[]) and s.tablename = any($2::name[])
`;

/**
 * What pg_stats reads from pg_statistic (see its definition in system_views.sql) in its names, with
 * the row's table, column and inheritance, without the view's privilege checks: for a superuser, to
 * whom pg_stats shows every row anyway, the checks cost a third of the statistics' time at 10,000
 * tables (issue 16). A column added here is added to pg_stats's too.
 */
const STATISTIC_AS_PG_STATS = `(
  select s.starelid, s.staattnum, s.stainherit,
         s.stanullfrac as null_frac,
         s.stawidth as avg_width,
         s.stadistinct as n_distinct,
         case when s.stakind1 = 3 then s.stanumbers1[1]
              when s.stakind2 = 3 then s.stanumbers2[1]
              when s.stakind3 = 3 then s.stanumbers3[1]
              when s.stakind4 = 3 then s.stanumbers4[1]
              when s.stakind5 = 3 then s.stanumbers5[1]
         end as correlation,
         case when s.stakind1 = 1 then s.stavalues1
              when s.stakind2 = 1 then s.stavalues2
              when s.stakind3 = 1 then s.stavalues3
              when s.stakind4 = 1 then s.stavalues4
              when s.stakind5 = 1 then s.stavalues5
         end as most_common_vals,
         case when s.stakind1 = 1 then s.stanumbers1
              when s.stakind2 = 1 then s.stanumbers2
              when s.stakind3 = 1 then s.stanumbers3
              when s.stakind4 = 1 then s.stanumbers4
              when s.stakind5 = 1 then s.stanumbers5
         end as most_common_freqs
    from pg_statistic s)`;

/** The indexable relations of some schemas ($1), for suggestions when a plan names a table that does not exist. */
export const NEARBY_TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm')
   AND n.nspname = ANY($1::text[])
 ORDER BY 1, 2`;

/**
 * The backend that may be building index i (of table i.indrelid) right now: its progress row, or
 * else a client session holding SHARE UPDATE EXCLUSIVE on the table (a CREATE INDEX CONCURRENTLY
 * holds it from start to end; a manual VACUUM or ANALYZE does too, and waiting for it to end before
 * dropping is what DROP INDEX CONCURRENTLY would do anyway). Not this session; not autovacuum.
 */
export const BUILDING_PID_SQL = `coalesce(
         (select p.pid from pg_stat_progress_create_index p where p.index_relid = i.indexrelid and p.pid <> pg_backend_pid() limit 1),
         (select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where l.locktype = 'relation' and l.relation = i.indrelid and l.mode = 'ShareUpdateExclusiveLock' and l.granted
             and l.pid <> pg_backend_pid() and a.backend_type = 'client backend'
           order by l.pid limit 1))`;

/**
 * Indexes of the given tables ($1 oid[], joined rather than `= any`: an index scan per oid cost more
 * at 10,000 tables), one row each, unordered (a sort of the 30,000 wide rows spilled to disk: the
 * snapshot orders each table's few), their keys as the catalog's vectors (attnums, operator class
 * and collation oids, order options): the snapshot names them from the columns and the
 * SERVER_SQL/COLLATIONS_SQL lists, by hashing. (Named here, a subquery per index cost half a second
 * at 30,000 indexes.) Neither the index's schema nor its table's names: an index lives in its
 * table's schema, and the snapshot has the table by `relid` (pg_class and pg_namespace joined twice
 * more were a third of the server's time; issue 16). Deparsing an expression key or a predicate
 * (pg_get_indexdef, pg_get_expr) opens the table, so it is done only where there is one: an index on
 * plain columns is read from the catalog alone, without any lock.
 */
export const INDEXES_SQL = `
select i.indrelid::int8 as relid,
       ic.relname as name,
       am.amname as method,
       i.indisunique as unique,
       i.indisprimary as primary,
       i.indisvalid as valid,
       i.indisready as ready,
       i.indnkeyatts::int as key_count,
       -- int2vector and oidvector as text ("1 3"): split by the snapshot, much cheaper than arrays
       i.indkey::text as attnums,
       i.indclass::text as opclasses,
       i.indcollation::text as collations,
       i.indoption::text as options,
       case when 0 = any(i.indkey::int2[]) then
         array(select case when i.indkey[k - 1] = 0 then pg_get_indexdef(i.indexrelid, k, true) end
                 from generate_series(1, i.indnatts::int) k order by k)
       end as expressions,
       pg_get_expr(i.indpred, i.indrelid, true) as predicate,
       -- block_size once (an InitPlan), not a setting looked up per row
       ic.relpages::int8 * (select current_setting('block_size')::int8) as size_bytes,
       ts.spcname as tablespace,
       pn.nspname as parent_schema,
       pc.relname as parent_name,
       case when not (i.indisvalid and i.indisready) then ${BUILDING_PID_SQL} end as building_pid,
       ic.reloptions as reloptions,
       i.indnullsnotdistinct as nulls_not_distinct,
       con.conname as constraint_name,
       con.contype::text as constraint_type
  from unnest($1::oid[]) as r(oid)
  join pg_index i on i.indrelid = r.oid
  join pg_class ic on ic.oid = i.indexrelid
  join pg_am am on am.oid = ic.relam
  left join pg_tablespace ts on ts.oid = ic.reltablespace
  left join pg_inherits inh on inh.inhrelid = i.indexrelid
  left join pg_class pc on pc.oid = inh.inhparent
  left join pg_namespace pn on pn.oid = pc.relnamespace
  -- the constraint that needs the index: its own (p, u, x) first, else a foreign key referencing it.
  -- One pass over pg_constraint, joined by hashing: it has no index on conindid, so a lookup per
  -- index (a lateral subquery) read the whole of it for each of 30,000 indexes.
  left join (select distinct on (c.conindid) c.conindid, c.conname, c.contype
               from pg_constraint c
              where c.conindid <> 0 and c.contype in ('p', 'u', 'x', 'f')
              order by c.conindid, c.contype = 'f', c.conname) con on con.conindid = i.indexrelid
`;

/** INDEXES_SQL for a server of this version: pg_index.indnullsnotdistinct exists since PostgreSQL 15. */
export function indexesSql(versionNum: number): string {
  return versionNum >= 150000 ? INDEXES_SQL : INDEXES_SQL.replace('i.indnullsnotdistinct as', 'false as');
}

/** The names of the collations ($1 oid[]) the indexes' keys use: a handful, whatever the plan. */
export const COLLATIONS_SQL = `
select c.oid::int8 as oid, c.collname as name from pg_collation c where c.oid = any($1::oid[])
`;

/**
 * The rows of `sql` as one value: a JSON array of one array per row, the columns `fields` in that
 * order (those of `asText` as text: int8 keeps the driver's string form), sorted by `order` (over
 * the columns of `sql`, as q.column; '' for no order). The driver then decodes one value, not a string per field of
 * each row: 40,000 columns of 15 fields cost Node about four times the CPU as rows (issue 16).
 */
export function jsonArrays(sql: string, fields: readonly string[], order: string, asText: readonly string[] = []): string {
  const values = fields.map((f) => `q."${f}"${asText.includes(f) ? '::text' : ''}`);
  return `select coalesce(json_agg(json_build_array(${values.join(', ')})${order ? ` order by ${order}` : ''}), '[]') as rows from (${sql}) q`;
}

/**
 * The rows of `sql` as JSON columns: one result column per field, named after it, holding that
 * field's values in row order (those of `asText` as text). One array per field, not per row: the
 * server aggregates plain values instead of building an array per row (a third less of its time for
 * the 30,000 indexes of 10,000 tables), and the client parses a few long arrays, not 30,000 short
 * ones for its collector to sweep (issue 16). Unordered: the snapshot orders what needs an order.
 */
export function jsonColumns(sql: string, fields: readonly string[], asText: readonly string[] = []): string {
  return `select ${jsonColumnList('q', fields, asText)}\n  from (${sql}) q`;
}

/** jsonColumns's select list over the rows of `source` (an alias). */
function jsonColumnList(source: string, fields: readonly string[], asText: readonly string[] = []): string {
  return fields.map((f) => `coalesce(json_agg(${source}.${quoteIdent(f)}${asText.includes(f) ? '::text' : ''}), '[]') as ${quoteIdent(f)}`).join(',\n       ');
}
