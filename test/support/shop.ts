/**
 * The shop of the workload advisor's "done when" (issue 12), whose right answers are known: 20,000
 * customers and 200,000 orders, with a foreign key from orders to customers and no index but the
 * primary keys. The HypoPG and the estimate tests plan on the same data, so that their verdicts can
 * be compared.
 */
export const SHOP_SQL = `
    create schema shop;
    create table shop.customers (id bigint primary key, email text not null, name text);
    create table shop.orders (id bigint primary key, customer_id bigint not null references shop.customers, status text not null,
                              created timestamptz not null, data jsonb, note text);
    insert into shop.customers select g, 'C' || g || '@example.com', 'name ' || g from generate_series(1, 20000) g;
    insert into shop.orders select g, 1 + g % 20000, (array['new','paid','sent','gone'])[1 + g % 4], now() - g * interval '1 min',
                                   jsonb_build_object('gift', g % 500 = 0, 'n', g), 'note ' || g
      from generate_series(1, 200000) g;
    analyze;
`;
