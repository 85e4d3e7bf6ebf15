package io.exproto.management;

import java.util.List;

/**
 * One page of a listing, with EMQX's paging {@code meta}.
 *
 * @param data the items of this page, at most {@code limit}
 * @param page the page number, from 1
 * @param limit the page size asked for
 * @param count how many items match in all pages
 * @param hasNext true if a later page has items
 * @param <T> the item type
 */
public record Page<T>(List<T> data, int page, int limit, long count, boolean hasNext) {
  /** Copies {@code data}. */
  public Page {
    data = List.copyOf(data);
  }
}
