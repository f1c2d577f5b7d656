/**
 * `each` of every item, as a new list only when it made another item of one: else the list
 * itself. A run's stages, a stage's workflows and a workflow's actions are read this way when a
 * sync joins or strips definitions, so that the parts it leaves alone stay the same objects from
 * one sync to the next (docs/design.md, "Carried across syncs").
 */
export function mappedOrSame<T>(list: T[], each: (item: T, index: number) => T): T[] {
  let made: T[] | undefined;
  for (let index = 0; index < list.length; index += 1) {
    const item = list[index] as T;
    const result = each(item, index);
    if (made === undefined && result !== item) made = list.slice(0, index);
    made?.push(result);
  }
  return made ?? list;
}
