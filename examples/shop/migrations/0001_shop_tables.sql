-- The demo shop's tables. Every tenant-owned row carries org_id, and every reference between
-- tenant-owned rows is a composite (org_id, x_id) foreign key, so a row can never point at
-- another organisation's row (UNIQUE (org_id, id) on the referenced table makes that possible).

CREATE TABLE tb_organization (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text        NOT NULL CHECK (name <> ''),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tb_user (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id     uuid        NOT NULL REFERENCES tb_organization (id),
  email      text        NOT NULL CHECK (email LIKE '%_@_%'),
  name       text,
  is_active  boolean     NOT NULL DEFAULT true,
  tags       text[]      NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tb_user_org_email_key UNIQUE (org_id, email),
  CONSTRAINT tb_user_org_id_key UNIQUE (org_id, id)
);

CREATE TABLE tb_category (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id     uuid        NOT NULL REFERENCES tb_organization (id),
  name       text        NOT NULL CHECK (name <> ''),
  slug       text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tb_category_org_slug_key UNIQUE (org_id, slug),
  CONSTRAINT tb_category_org_id_key UNIQUE (org_id, id)
);

CREATE TABLE tb_product (
  id          uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      uuid          NOT NULL REFERENCES tb_organization (id),
  category_id uuid,
  sku         text          NOT NULL CHECK (sku <> ''),
  name        text          NOT NULL CHECK (name <> ''),
  description text,
  price       numeric(12,2) NOT NULL CHECK (price >= 0),
  stock       integer       NOT NULL DEFAULT 0 CHECK (stock >= 0),
  is_active   boolean       NOT NULL DEFAULT true,
  tags        text[]        NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL),
  attributes  jsonb         CHECK (attributes IS NULL OR jsonb_typeof(attributes) = 'object'),
  created_at  timestamptz   NOT NULL DEFAULT now(),
  updated_at  timestamptz   NOT NULL DEFAULT now(),
  CONSTRAINT tb_product_org_sku_key UNIQUE (org_id, sku),
  CONSTRAINT tb_product_org_id_key UNIQUE (org_id, id),
  CONSTRAINT tb_product_category_fkey FOREIGN KEY (org_id, category_id) REFERENCES tb_category (org_id, id)
);

CREATE TABLE tb_order (
  id               uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id           uuid          NOT NULL REFERENCES tb_organization (id),
  customer_id      uuid          NOT NULL,
  status           text          NOT NULL DEFAULT 'PENDING'
                                 CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  total            numeric(12,2) NOT NULL CHECK (total >= 0),
  currency         char(3)       NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  notes            text,
  -- {street, city, postal_code, country}; v_order renders it as Address {street, city, postalCode, country}.
  shipping_address jsonb         NOT NULL CHECK (
                                   jsonb_typeof(shipping_address) = 'object'
                                   AND shipping_address ?& ARRAY['street', 'city', 'postal_code', 'country']),
  placed_at        timestamptz   NOT NULL DEFAULT now(),
  created_at       timestamptz   NOT NULL DEFAULT now(),
  updated_at       timestamptz   NOT NULL DEFAULT now(),
  CONSTRAINT tb_order_org_id_key UNIQUE (org_id, id),
  CONSTRAINT tb_order_customer_fkey FOREIGN KEY (org_id, customer_id) REFERENCES tb_user (org_id, id)
);

CREATE TABLE tb_order_item (
  id         uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id     uuid          NOT NULL REFERENCES tb_organization (id),
  order_id   uuid          NOT NULL,
  product_id uuid          NOT NULL,
  quantity   integer       NOT NULL CHECK (quantity > 0),
  unit_price numeric(12,2) NOT NULL CHECK (unit_price >= 0),
  created_at timestamptz   NOT NULL DEFAULT now(),
  CONSTRAINT tb_order_item_order_fkey FOREIGN KEY (org_id, order_id) REFERENCES tb_order (org_id, id) ON DELETE CASCADE,
  CONSTRAINT tb_order_item_product_fkey FOREIGN KEY (org_id, product_id) REFERENCES tb_product (org_id, id)
);

CREATE TABLE tb_review (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id     uuid        NOT NULL REFERENCES tb_organization (id),
  product_id uuid        NOT NULL,
  author_id  uuid        NOT NULL,
  rating     integer     NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title      text        NOT NULL CHECK (title <> ''),
  body       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tb_review_product_fkey FOREIGN KEY (org_id, product_id) REFERENCES tb_product (org_id, id),
  CONSTRAINT tb_review_author_fkey FOREIGN KEY (org_id, author_id) REFERENCES tb_user (org_id, id)
);
