/**
 * Names of the GraphQL types the compiler generates around each authored type. The
 * compiler and the query planner both use these, so a name is spelled in one place.
 */

/** Joins the field names of a nested sort path: `customer__email`. */
export const SORT_PATH_SEPARATOR = '__';

export const whereInputName = (typeName: string): string => `${typeName}WhereInput`;
/** `StringFilter`, `OrderStatusFilter`: the filter of one scalar or enum value. */
export const filterName = (scalarOrEnumName: string): string => `${scalarOrEnumName}Filter`;
/** `StringListFilter` (list of scalars/enums) or `OrderItemListFilter` (list of objects: some/none/every). */
export const listFilterName = (itemTypeName: string): string => `${itemTypeName}ListFilter`;
export const sortFieldEnumName = (entityName: string): string => `${entityName}SortField`;
export const orderByInputName = (entityName: string): string => `${entityName}OrderBy`;
export const connectionTypeName = (entityName: string): string => `${entityName}Connection`;
export const edgeTypeName = (entityName: string): string => `${entityName}Edge`;

/** `createOrder` → `CreateOrder`: the stem of the types generated for a mutation. */
const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
/** The input type generated for a mutation declared with inline input fields (`CreateOrderInput`). */
export const mutationInputTypeName = (mutationName: string): string => `${pascal(mutationName)}Input`;
/** `type CreateOrderSuccess { order: Order!, message: String! }` */
export const mutationSuccessTypeName = (mutationName: string): string => `${pascal(mutationName)}Success`;
/** `union CreateOrderResult = CreateOrderSuccess | MutationError` */
export const mutationResultTypeName = (mutationName: string): string => `${pascal(mutationName)}Result`;
/** The failure member of every mutation result union. */
export const MUTATION_ERROR_TYPE = 'MutationError';
export const FIELD_ERROR_TYPE = 'FieldError';
export const MUTATION_ERROR_CLASS_ENUM = 'MutationErrorClass';

/** `type OrderChange { operation, eventId, timestamp, changedFields, order, before }`: one per subscribed entity. */
export const changeTypeName = (entityName: string): string => `${entityName}Change`;
/** `enum ChangeOperation { INSERT UPDATE DELETE }` */
export const CHANGE_OPERATION_ENUM = 'ChangeOperation';
/** Fields of every change type besides the entity field (which may not take one of these names). */
export const CHANGE_TYPE_FIELDS = ['operation', 'eventId', 'timestamp', 'changedFields', 'before'] as const;

/** Types every compiled SDL may contain independently of the authored types. */
export const SHARED_TYPE_NAMES = [
  'Query',
  'Mutation',
  'Subscription',
  'SortDirection',
  'NullsOrder',
  'PageInfo',
  MUTATION_ERROR_TYPE,
  FIELD_ERROR_TYPE,
  MUTATION_ERROR_CLASS_ENUM,
] as const;
