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

/** Types every compiled SDL may contain independently of the authored types. */
export const SHARED_TYPE_NAMES = ['Query', 'Mutation', 'Subscription', 'SortDirection', 'NullsOrder', 'PageInfo'] as const;
