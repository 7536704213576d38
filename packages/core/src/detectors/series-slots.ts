/**
 * Maps series ids to dense slot numbers, so detectors can keep per-series state in typed arrays
 * (one allocation per field for all series) instead of one object per series.
 */
export interface SeriesSlots {
  /** Number of slots the arrays must hold; grows by doubling. */
  readonly capacity: number;
  /** Number of series currently holding a slot. */
  readonly size: number;
  /** The slot of a series, or -1 when it has none. */
  find(seriesId: string): number;
  /** The slot of a series, allocating one (and calling `onGrow` when the capacity doubles). */
  acquire(seriesId: string): number;
  /**
   * Like {@link acquire} for the sample at `position` of a batch. Batches from the same source
   * list their series in the same order tick after tick, so the slot used at this position last
   * time is checked first (a string comparison, usually of the very same string) before the map
   * is consulted.
   */
  acquireAt(position: number, seriesId: string): number;
  /** Frees the slot of a series; returns it, or -1 when the series had none. */
  release(seriesId: string): number;
  /** Frees every slot. */
  clear(): void;
}

/**
 * Creates a slot table. `onGrow(capacity)` is called before a slot beyond the current capacity is
 * handed out, so the caller can reallocate its typed arrays.
 */
export function createSeriesSlots(onGrow: (capacity: number) => void, initialCapacity = 64): SeriesSlots {
  const slots = new Map<string, number>();
  const freeSlots: number[] = [];
  let positionIds: Array<string | undefined> = [];
  let positionSlots = new Int32Array(0);
  let capacity = initialCapacity;
  let next = 0;
  onGrow(capacity);
  return {
    get capacity() {
      return capacity;
    },
    get size() {
      return slots.size;
    },
    find(seriesId) {
      return slots.get(seriesId) ?? -1;
    },
    acquireAt(position, seriesId) {
      if (positionIds[position] === seriesId) return positionSlots[position]!;
      const slot = this.acquire(seriesId);
      if (position >= positionSlots.length)
        positionSlots = growInt32(positionSlots, Math.max(64, position * 2));
      positionIds[position] = seriesId;
      positionSlots[position] = slot;
      return slot;
    },
    acquire(seriesId) {
      const existing = slots.get(seriesId);
      if (existing !== undefined) return existing;
      let slot = freeSlots.pop();
      if (slot === undefined) {
        slot = next++;
        if (slot >= capacity) {
          capacity *= 2;
          onGrow(capacity);
        }
      }
      slots.set(seriesId, slot);
      return slot;
    },
    release(seriesId) {
      const slot = slots.get(seriesId);
      if (slot === undefined) return -1;
      slots.delete(seriesId);
      freeSlots.push(slot);
      positionIds = [];
      return slot;
    },
    clear() {
      slots.clear();
      positionIds = [];
      freeSlots.length = 0;
      next = 0;
    },
  };
}

/** Returns a copy of `array` with room for `length` elements (new elements are 0). */
export function growFloat64(array: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(length);
  grown.set(array.subarray(0, Math.min(array.length, length)));
  return grown;
}

/** Returns a copy of `array` with room for `length` elements (new elements are 0). */
export function growInt32(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length);
  grown.set(array.subarray(0, Math.min(array.length, length)));
  return grown;
}
