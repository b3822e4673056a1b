import { entityDocumentId, searchTextOf } from '@fraiseql/search-elasticsearch';

describe('search documents', () => {
  it('entity document ids keep org, type and id apart even when they hold a colon; no org is %00', () => {
    expect(entityDocumentId({ org_id: 'acme', entity_type: 'Order', entity_id: '42' })).toBe('acme:Order:42');
    expect(entityDocumentId({ org_id: 'a:b', entity_type: 'C', entity_id: 'd' })).not.toBe(
      entityDocumentId({ org_id: 'a', entity_type: 'b:C', entity_id: 'd' }),
    );
    expect(entityDocumentId({ org_id: null, entity_type: 'Order', entity_id: '42' })).toBe('%00:Order:42');
    expect(entityDocumentId({ org_id: '', entity_type: 'Order', entity_id: '42' })).not.toBe(
      entityDocumentId({ org_id: null, entity_type: 'Order', entity_id: '42' }),
    );
  });

  it('the searchable text is every string and number of the data, nested or in lists, one value each', () => {
    expect(
      searchTextOf({ name: 'Ada', total: 12.5, paid: true, none: null, blank: ' ', address: { city: 'Paris' }, tags: ['x', { y: 'z' }] }),
    ).toEqual(['Ada', '12.5', 'Paris', 'x', 'z']);
  });
});
