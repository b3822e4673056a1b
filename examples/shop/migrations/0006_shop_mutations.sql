-- The demo shop's mutations (docs/adr/0082-mutations.md): fn_<mutation>(input jsonb, ctx jsonb)
-- returning fraiseql.mutation_response. `input` is the GraphQL input object, already validated
-- and coerced by graphql-js (keys are the GraphQL field names; a field left out is absent, an
-- explicit null is JSON null); `ctx` is {org_id, user_id, roles} of the caller (also in the
-- transaction-local settings fraiseql.org_id, fraiseql.user_id, fraiseql.roles).
--
-- Every function touches only rows of ctx.org_id: an id of another organization is NOT_FOUND, as
-- an id that does not exist. A failure returns before any write (or its writes are rolled back by
-- the exception block), so a MutationError never leaves a row or a change event behind. Success
-- returns the entity's view data, so the result projects exactly like a query of it.
--
--   createOrder        any authenticated caller of the org
--   updateOrderStatus  roles admin or staff
--   cancelOrder        any authenticated caller of the org
--   createReview       any authenticated caller of the org
--   updateProduct      roles admin or catalog
-- Anonymous callers (no org or no user) get UNAUTHORIZED, callers without the role FORBIDDEN.

-- A uuid from text, or NULL when the text is not one (an id the caller made up is NOT_FOUND, not an error).
CREATE FUNCTION shop_try_uuid(value text) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN value::uuid END;

-- The caller's org, or NULL for an anonymous caller (no org, or no user).
CREATE FUNCTION shop_caller_org(ctx jsonb) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN coalesce(ctx ->> 'user_id', '') <> '' THEN shop_try_uuid(ctx ->> 'org_id') END;

-- Whether the caller has one of the roles.
CREATE FUNCTION shop_has_role(ctx jsonb, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_typeof(ctx -> 'roles') = 'array' AND (ctx -> 'roles') ?| roles;

-- The lines of a CreateOrderInput: index from 0, product id (NULL when malformed), quantity.
CREATE FUNCTION shop_order_lines(input jsonb) RETURNS TABLE (idx integer, product_id uuid, quantity integer)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT (e.o - 1)::integer, shop_try_uuid(e.v ->> 'productId'), (e.v ->> 'quantity')::integer
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(input -> 'items') = 'array' THEN input -> 'items' ELSE '[]'::jsonb END)
       WITH ORDINALITY AS e(v, o)
$$;

-- createOrder: {customerId, items: [{productId, quantity}], shippingAddress {street, city, postalCode, country}, currency?, notes?}.
-- Unit prices and the total come from the products; their stock is taken.
-- VALIDATION: no items, quantity < 1, malformed currency or address. NOT_FOUND: customer or
-- product not in the org. CONFLICT: product not for sale or not enough stock.
CREATE FUNCTION fn_create_order(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  org uuid := shop_caller_org(ctx);
  address jsonb := input -> 'shippingAddress';
  currency text := coalesce(input ->> 'currency', 'EUR');
  customer uuid;
  problems jsonb := '[]';
  order_total numeric(12,2);
  new_id uuid := gen_random_uuid();
BEGIN
  IF org IS NULL THEN
    RETURN fraiseql.mutation_error('unauthorized', 'Placing an order needs a signed-in caller of an organization');
  END IF;

  IF NOT EXISTS (SELECT FROM shop_order_lines(input)) THEN
    problems := problems || fraiseql.field_error('items', 'An order needs at least one item');
  END IF;
  SELECT problems || coalesce(jsonb_agg(fraiseql.field_error('items.' || l.idx || '.quantity', 'Must be at least 1') ORDER BY l.idx), '[]')
    INTO problems FROM shop_order_lines(input) l WHERE l.quantity IS NULL OR l.quantity < 1;
  IF currency !~ '^[A-Z]{3}$' THEN
    problems := problems || fraiseql.field_error('currency', 'Must be an ISO 4217 code of three capital letters');
  END IF;
  IF trim(coalesce(address ->> 'street', '')) = '' THEN problems := problems || fraiseql.field_error('shippingAddress.street', 'Must not be empty'); END IF;
  IF trim(coalesce(address ->> 'city', '')) = '' THEN problems := problems || fraiseql.field_error('shippingAddress.city', 'Must not be empty'); END IF;
  IF trim(coalesce(address ->> 'postalCode', '')) = '' THEN problems := problems || fraiseql.field_error('shippingAddress.postalCode', 'Must not be empty'); END IF;
  IF coalesce(address ->> 'country', '') !~ '^[A-Z]{2}$' THEN
    problems := problems || fraiseql.field_error('shippingAddress.country', 'Must be an ISO 3166-1 alpha-2 code');
  END IF;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN fraiseql.mutation_error('validation', 'The order is not valid', problems);
  END IF;

  SELECT u.id INTO customer FROM tb_user u WHERE u.id = shop_try_uuid(input ->> 'customerId') AND u.org_id = org;
  IF customer IS NULL THEN
    RETURN fraiseql.mutation_error('not_found', 'No such customer', jsonb_build_array(fraiseql.field_error('customerId', 'No such customer')));
  END IF;

  -- Products locked in id order (no deadlock between two orders of the same products), then checked.
  PERFORM FROM tb_product p
    WHERE p.org_id = org AND p.id IN (SELECT l.product_id FROM shop_order_lines(input) l)
    ORDER BY p.id FOR NO KEY UPDATE;
  SELECT coalesce(jsonb_agg(fraiseql.field_error('items.' || l.idx || '.productId', 'No such product') ORDER BY l.idx), '[]')
    INTO problems
    FROM shop_order_lines(input) l LEFT JOIN tb_product p ON p.id = l.product_id AND p.org_id = org
    WHERE p.id IS NULL;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN fraiseql.mutation_error('not_found', 'The order names a product that does not exist', problems);
  END IF;
  SELECT coalesce(jsonb_agg(fraiseql.field_error('items.' || l.idx || '.quantity',
                              CASE WHEN NOT p.is_active THEN 'The product is not for sale' ELSE format('Only %s in stock', p.stock) END)
                            ORDER BY l.idx), '[]')
    INTO problems
    FROM shop_order_lines(input) l
    JOIN tb_product p ON p.id = l.product_id
    JOIN (SELECT w.product_id, sum(w.quantity) AS wanted FROM shop_order_lines(input) w GROUP BY w.product_id) w ON w.product_id = l.product_id
    WHERE NOT p.is_active OR w.wanted > p.stock;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN fraiseql.mutation_error('conflict', 'Some items are not available in the quantity asked', problems);
  END IF;

  SELECT sum(l.quantity * p.price) INTO order_total FROM shop_order_lines(input) l JOIN tb_product p ON p.id = l.product_id;
  INSERT INTO tb_order (id, org_id, customer_id, status, total, currency, notes, shipping_address)
  VALUES (new_id, org, customer, 'PENDING', order_total, currency, input ->> 'notes',
          jsonb_build_object('street', address ->> 'street', 'city', address ->> 'city',
                             'postal_code', address ->> 'postalCode', 'country', address ->> 'country'));
  INSERT INTO tb_order_item (org_id, order_id, product_id, quantity, unit_price)
  SELECT org, new_id, l.product_id, l.quantity, p.price
  FROM shop_order_lines(input) l JOIN tb_product p ON p.id = l.product_id
  ORDER BY l.idx;
  UPDATE tb_product p SET stock = p.stock - w.wanted, updated_at = now()
  FROM (SELECT l.product_id, sum(l.quantity) AS wanted FROM shop_order_lines(input) l GROUP BY l.product_id) w
  WHERE p.id = w.product_id;

  RETURN fraiseql.mutation_ok('Order', new_id::text, (SELECT o.data FROM v_order o WHERE o.id = new_id),
                              ARRAY['id', 'status', 'total', 'currency', 'notes', 'placedAt', 'createdAt', 'updatedAt',
                                    'itemCount', 'shippingAddress', 'customer', 'items'],
                              'Order placed');
END;
$$;

-- updateOrderStatus: {id, status}. PENDING → PAID → SHIPPED → DELIVERED; CANCELLED only through
-- cancelOrder (it puts the stock back). Same status: success, nothing written.
-- FORBIDDEN without role admin or staff; NOT_FOUND; CONFLICT for any other transition.
CREATE FUNCTION fn_update_order_status(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  org uuid := shop_caller_org(ctx);
  target uuid := shop_try_uuid(input ->> 'id');
  wanted text := input ->> 'status';
  current_status text;
BEGIN
  IF org IS NULL THEN
    RETURN fraiseql.mutation_error('unauthorized', 'Changing an order needs a signed-in caller of an organization');
  END IF;
  IF NOT shop_has_role(ctx, ARRAY['admin', 'staff']) THEN
    RETURN fraiseql.mutation_error('forbidden', 'Changing the status of an order needs the role admin or staff');
  END IF;
  SELECT o.status INTO current_status FROM tb_order o WHERE o.id = target AND o.org_id = org FOR NO KEY UPDATE;
  IF current_status IS NULL THEN
    RETURN fraiseql.mutation_error('not_found', 'No such order', jsonb_build_array(fraiseql.field_error('id', 'No such order')));
  END IF;
  IF wanted = current_status THEN
    RETURN fraiseql.mutation_ok('Order', target::text, (SELECT o.data FROM v_order o WHERE o.id = target), '{}', 'Unchanged', false);
  END IF;
  IF (current_status, wanted) NOT IN (('PENDING', 'PAID'), ('PAID', 'SHIPPED'), ('SHIPPED', 'DELIVERED')) THEN
    RETURN fraiseql.mutation_error('conflict', format('An order cannot go from %s to %s', current_status, wanted),
      jsonb_build_array(fraiseql.field_error('status',
        CASE WHEN wanted = 'CANCELLED' THEN 'Use cancelOrder' ELSE format('Not allowed after %s', current_status) END)));
  END IF;
  UPDATE tb_order SET status = wanted, updated_at = now() WHERE id = target;
  RETURN fraiseql.mutation_ok('Order', target::text, (SELECT o.data FROM v_order o WHERE o.id = target), ARRAY['status', 'updatedAt'],
                              format('Order is now %s', wanted));
END;
$$;

-- cancelOrder: {id, reason?}. Only a PENDING or PAID order (CONFLICT otherwise); its items go back
-- in stock; the reason is appended to the notes. NOT_FOUND for an unknown order.
CREATE FUNCTION fn_cancel_order(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  org uuid := shop_caller_org(ctx);
  target uuid := shop_try_uuid(input ->> 'id');
  current_status text;
  reason text := nullif(trim(coalesce(input ->> 'reason', '')), '');
BEGIN
  IF org IS NULL THEN
    RETURN fraiseql.mutation_error('unauthorized', 'Cancelling an order needs a signed-in caller of an organization');
  END IF;
  SELECT o.status INTO current_status FROM tb_order o WHERE o.id = target AND o.org_id = org FOR NO KEY UPDATE;
  IF current_status IS NULL THEN
    RETURN fraiseql.mutation_error('not_found', 'No such order', jsonb_build_array(fraiseql.field_error('id', 'No such order')));
  END IF;
  IF current_status NOT IN ('PENDING', 'PAID') THEN
    RETURN fraiseql.mutation_error('conflict', format('A %s order cannot be cancelled', current_status),
      jsonb_build_array(fraiseql.field_error('id', format('The order is %s', current_status))));
  END IF;
  UPDATE tb_order
     SET status = 'CANCELLED', updated_at = now(),
         notes = CASE WHEN reason IS NULL THEN notes ELSE concat_ws(E'\n', notes, 'Cancelled: ' || reason) END
   WHERE id = target;
  UPDATE tb_product p SET stock = p.stock + i.quantity, updated_at = now()
  FROM (SELECT oi.product_id, sum(oi.quantity) AS quantity FROM tb_order_item oi WHERE oi.order_id = target GROUP BY oi.product_id) i
  WHERE p.id = i.product_id;
  RETURN fraiseql.mutation_ok('Order', target::text, (SELECT o.data FROM v_order o WHERE o.id = target),
                              CASE WHEN reason IS NULL THEN ARRAY['status', 'updatedAt'] ELSE ARRAY['status', 'notes', 'updatedAt'] END,
                              'Order cancelled');
END;
$$;

-- createReview: {productId, authorId, rating, title, body?}. VALIDATION: rating outside 1..5, empty
-- title. NOT_FOUND: product or author not in the org.
CREATE FUNCTION fn_create_review(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  org uuid := shop_caller_org(ctx);
  product uuid;
  author uuid;
  problems jsonb := '[]';
  new_id uuid := gen_random_uuid();
BEGIN
  IF org IS NULL THEN
    RETURN fraiseql.mutation_error('unauthorized', 'Writing a review needs a signed-in caller of an organization');
  END IF;
  IF (input ->> 'rating')::integer IS NULL OR (input ->> 'rating')::integer NOT BETWEEN 1 AND 5 THEN
    problems := problems || fraiseql.field_error('rating', 'Must be from 1 to 5');
  END IF;
  IF trim(coalesce(input ->> 'title', '')) = '' THEN
    problems := problems || fraiseql.field_error('title', 'Must not be empty');
  END IF;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN fraiseql.mutation_error('validation', 'The review is not valid', problems);
  END IF;
  SELECT p.id INTO product FROM tb_product p WHERE p.id = shop_try_uuid(input ->> 'productId') AND p.org_id = org;
  IF product IS NULL THEN
    problems := problems || fraiseql.field_error('productId', 'No such product');
  END IF;
  SELECT u.id INTO author FROM tb_user u WHERE u.id = shop_try_uuid(input ->> 'authorId') AND u.org_id = org;
  IF author IS NULL THEN
    problems := problems || fraiseql.field_error('authorId', 'No such user');
  END IF;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN fraiseql.mutation_error('not_found', 'The review names a product or author that does not exist', problems);
  END IF;
  INSERT INTO tb_review (id, org_id, product_id, author_id, rating, title, body)
  VALUES (new_id, org, product, author, (input ->> 'rating')::integer, trim(input ->> 'title'), input ->> 'body');
  RETURN fraiseql.mutation_ok('Review', new_id::text, (SELECT r.data FROM v_review r WHERE r.id = new_id),
                              ARRAY['id', 'rating', 'title', 'body', 'createdAt', 'product', 'author'], 'Review added');
END;
$$;

-- updateProduct: {id, sku?, name?, description?, price?, stock?, isActive?, tags?}; fields left out
-- keep their value, description: null clears it. FORBIDDEN without role admin or catalog.
-- VALIDATION: empty name or sku, null for a required field, negative price or stock. CONFLICT: the
-- sku is another product's. NOT_FOUND. Nothing to change: success, nothing written.
CREATE FUNCTION fn_update_product(input jsonb, ctx jsonb) RETURNS fraiseql.mutation_response
  LANGUAGE plpgsql
  SET search_path FROM CURRENT
AS $$
DECLARE
  org uuid := shop_caller_org(ctx);
  target uuid := shop_try_uuid(input ->> 'id');
  before tb_product;
  after tb_product;
  problems jsonb := '[]';
  required text;
  changed text[] := '{}';
BEGIN
  IF org IS NULL THEN
    RETURN fraiseql.mutation_error('unauthorized', 'Changing a product needs a signed-in caller of an organization');
  END IF;
  IF NOT shop_has_role(ctx, ARRAY['admin', 'catalog']) THEN
    RETURN fraiseql.mutation_error('forbidden', 'Changing a product needs the role admin or catalog');
  END IF;

  FOREACH required IN ARRAY ARRAY['sku', 'name', 'price', 'stock', 'isActive', 'tags'] LOOP
    IF input ? required AND jsonb_typeof(input -> required) = 'null' THEN
      problems := problems || fraiseql.field_error(required, 'Must not be null');
    END IF;
  END LOOP;
  IF jsonb_typeof(input -> 'name') = 'string' AND trim(input ->> 'name') = '' THEN
    problems := problems || fraiseql.field_error('name', 'Must not be empty');
  END IF;
  IF jsonb_typeof(input -> 'sku') = 'string' AND trim(input ->> 'sku') = '' THEN
    problems := problems || fraiseql.field_error('sku', 'Must not be empty');
  END IF;
  IF (input ->> 'price')::numeric < 0 THEN
    problems := problems || fraiseql.field_error('price', 'Must not be negative');
  END IF;
  IF (input ->> 'stock')::integer < 0 THEN
    problems := problems || fraiseql.field_error('stock', 'Must not be negative');
  END IF;
  IF jsonb_array_length(problems) > 0 THEN
    RETURN fraiseql.mutation_error('validation', 'The product change is not valid', problems);
  END IF;

  SELECT * INTO before FROM tb_product p WHERE p.id = target AND p.org_id = org FOR NO KEY UPDATE;
  IF before.id IS NULL THEN
    RETURN fraiseql.mutation_error('not_found', 'No such product', jsonb_build_array(fraiseql.field_error('id', 'No such product')));
  END IF;

  after := before;
  IF input ? 'sku' THEN after.sku := trim(input ->> 'sku'); END IF;
  IF input ? 'name' THEN after.name := trim(input ->> 'name'); END IF;
  IF input ? 'description' THEN after.description := input ->> 'description'; END IF;
  IF input ? 'price' THEN after.price := (input ->> 'price')::numeric; END IF;
  IF input ? 'stock' THEN after.stock := (input ->> 'stock')::integer; END IF;
  IF input ? 'isActive' THEN after.is_active := (input ->> 'isActive')::boolean; END IF;
  IF input ? 'tags' THEN after.tags := ARRAY(SELECT jsonb_array_elements_text(input -> 'tags')); END IF;

  IF after.sku IS DISTINCT FROM before.sku THEN changed := changed || 'sku'::text; END IF;
  IF after.name IS DISTINCT FROM before.name THEN changed := changed || 'name'::text; END IF;
  IF after.description IS DISTINCT FROM before.description THEN changed := changed || 'description'::text; END IF;
  IF after.price IS DISTINCT FROM before.price THEN changed := changed || 'price'::text; END IF;
  IF after.stock IS DISTINCT FROM before.stock THEN changed := changed || 'stock'::text; END IF;
  IF after.is_active IS DISTINCT FROM before.is_active THEN changed := changed || 'isActive'::text; END IF;
  IF after.tags IS DISTINCT FROM before.tags THEN changed := changed || 'tags'::text; END IF;
  IF cardinality(changed) = 0 THEN
    RETURN fraiseql.mutation_ok('Product', target::text, (SELECT p.data FROM v_product p WHERE p.id = target), '{}', 'Unchanged', false);
  END IF;

  IF 'sku' = ANY (changed) AND EXISTS (SELECT FROM tb_product p WHERE p.org_id = org AND p.sku = after.sku AND p.id <> target) THEN
    RETURN fraiseql.mutation_error('conflict', 'Another product has this sku',
      jsonb_build_array(fraiseql.field_error('sku', format('%s is already used', after.sku))));
  END IF;
  BEGIN
    UPDATE tb_product
       SET sku = after.sku, name = after.name, description = after.description, price = after.price,
           stock = after.stock, is_active = after.is_active, tags = after.tags, updated_at = now()
     WHERE id = target;
  EXCEPTION WHEN unique_violation THEN
    -- A concurrent transaction took the sku between the check and the update.
    RETURN fraiseql.mutation_error('conflict', 'Another product has this sku',
      jsonb_build_array(fraiseql.field_error('sku', format('%s is already used', after.sku))));
  END;
  RETURN fraiseql.mutation_ok('Product', target::text, (SELECT p.data FROM v_product p WHERE p.id = target),
                              changed || 'updatedAt'::text, 'Product updated');
END;
$$;

COMMENT ON FUNCTION fn_create_order(jsonb, jsonb) IS 'GraphQL Mutation.createOrder';
COMMENT ON FUNCTION fn_update_order_status(jsonb, jsonb) IS 'GraphQL Mutation.updateOrderStatus';
COMMENT ON FUNCTION fn_cancel_order(jsonb, jsonb) IS 'GraphQL Mutation.cancelOrder';
COMMENT ON FUNCTION fn_create_review(jsonb, jsonb) IS 'GraphQL Mutation.createReview';
COMMENT ON FUNCTION fn_update_product(jsonb, jsonb) IS 'GraphQL Mutation.updateProduct';
