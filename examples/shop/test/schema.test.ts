import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGraphQLSchema, compileSchema, loadCompiledSchema, serializeCompiledSchema } from '@fraiseql/schema';
import { isObjectType } from 'graphql';
import { schema } from '../src/schema';

const COMPILED_PATH = join(__dirname, '..', 'schema.compiled.json');

describe('shop schema', () => {
  it('matches the committed schema.compiled.json (regenerate: fraiseql compile examples/shop/src/schema.ts -o examples/shop/schema.compiled.json)', () => {
    expect(readFileSync(COMPILED_PATH, 'utf8')).toBe(serializeCompiledSchema(compileSchema(schema)));
  });

  it('loads as a valid compiled schema', () => {
    expect(() => loadCompiledSchema(readFileSync(COMPILED_PATH, 'utf8'))).not.toThrow();
  });

  it('exposes the root fields and types of the build plan data model', () => {
    const graphql = buildGraphQLSchema(compileSchema(schema));
    const signatures = Object.values(graphql.getQueryType()!.getFields()).map((f) => `${f.name}: ${String(f.type)}`);
    expect(signatures).toEqual([
      'users: [User!]!',
      'products: [Product!]!',
      'orders: [Order!]!',
      'ordersConnection: OrderConnection!',
      'user: User',
      'product: Product',
      'order: Order',
      // The admin surface of run-time observer rules (admin: { observers: true }, ADR 0104).
      'observers: [Observer!]!',
      // The admin surface of the dead-letter queue (admin: { deadLetters: true }, ADR 0105): native fields.
      'deadLetters: [DeadLetter!]!',
      'deadLetter: DeadLetter',
      // The job API (admin: { jobs: true }, docs/jobs.md): native fields answered through the job-runner.
      'job: Job',
      'jobs: JobsPage!',
      'deadJobs: JobsPage!',
      'exportDownload: ExportDownload!',
      'searchEvents: SearchEventsPage!',
      'searchEntities: SearchEntitiesPage!',
      // API keys (admin: { apiKeys: true }) and the audit log (admin: { audit: true }, ADR 0137): native fields.
      'apiKeys: [ApiKey!]!',
      'auditLog: AuditLogPage!',
    ]);
    const mutations = Object.values(graphql.getMutationType()!.getFields()).map((f) => `${f.name}: ${String(f.type)}`);
    expect(mutations.slice(-12)).toEqual([
      'createObserver: CreateObserverResult!',
      'updateObserver: UpdateObserverResult!',
      'deleteObserver: DeleteObserverResult!',
      'replayDeadLetters: ReplayDeadLettersResult!',
      'purgeDeadLetters: PurgeDeadLettersResult!',
      'enqueueExport: Job!',
      'cancelJob: Job!',
      'retryJob: Job!',
      'purgeDeadJobs: PurgeDeadJobsResult!',
      'createApiKey: IssuedApiKey!',
      'rotateApiKey: IssuedApiKey!',
      'revokeApiKey: ApiKey!',
    ]);
    const fields = (name: string) => {
      const type = graphql.getType(name);
      if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
      return Object.values(type.getFields()).map((f) => `${f.name}: ${String(f.type)}`);
    };
    expect(fields('User')).toEqual([
      'id: ID!',
      'email: String!',
      'name: String',
      'isActive: Boolean!',
      'tags: [String!]!',
      'createdAt: DateTime!',
    ]);
    expect(fields('Category')).toEqual(['id: ID!', 'name: String!', 'slug: String!', 'createdAt: DateTime!']);
    expect(fields('Product')).toEqual([
      'id: ID!',
      'sku: String!',
      'name: String!',
      'description: String',
      'price: Decimal!',
      'stock: Int!',
      'isActive: Boolean!',
      'tags: [String!]!',
      'attributes: JSON',
      'category: Category',
      'createdAt: DateTime!',
      'updatedAt: DateTime!',
    ]);
    expect(fields('Order')).toEqual([
      'id: ID!',
      'status: OrderStatus!',
      'total: Decimal!',
      'currency: String!',
      'notes: String',
      'placedAt: DateTime!',
      'createdAt: DateTime!',
      'updatedAt: DateTime!',
      'itemCount: Int!',
      'shippingAddress: Address!',
      'customer: User!',
      'items: [OrderItem!]!',
    ]);
    expect(fields('Review')).toEqual([
      'id: ID!',
      'rating: Int!',
      'title: String!',
      'body: String',
      'createdAt: DateTime!',
      'product: ProductSummary!',
      'author: User!',
    ]);
    expect(fields('Address')).toEqual(['street: String!', 'city: String!', 'postalCode: String!', 'country: String!']);
    expect(fields('OrderItem')).toEqual(['id: ID!', 'quantity: Int!', 'unitPrice: Decimal!', 'product: ProductSummary!']);
    expect(fields('ProductSummary')).toEqual(['id: ID!', 'sku: String!', 'name: String!']);
  });

  it('maps filters and ordering to the typed view columns', () => {
    const compiled = compileSchema(schema);
    const columns = Object.fromEntries(
      compiled.types
        .filter((t) => t.kind === 'entity')
        .map((t) => [`${t.name} ${t.view}`, t.fields.filter((f) => f.column).map((f) => `${f.name}=${f.column}`)]),
    );
    expect(columns).toEqual({
      'User v_user': ['email=email', 'createdAt=created_at'],
      'Category v_category': ['slug=slug'],
      'Product v_product': ['sku=sku', 'price=price', 'createdAt=created_at'],
      'Order v_order': ['status=status', 'total=total', 'placedAt=placed_at'],
      'Review v_review': ['rating=rating', 'createdAt=created_at'],
      'Observer fraiseql.v_observer': [],
    });
    expect(compiled.types.filter((t) => t.kind === 'entity').every((t) => t.tenantScoped)).toBe(true);
  });
});
