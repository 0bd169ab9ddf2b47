/**
 * An API collection on an admin screen: its first page (reloaded when the query changes),
 * the next pages by cursor ("Load more" appends), and the actions on it (create, change,
 * delete), each optionally confirmed, whose failure is kept to show and whose success
 * reloads the list.
 */
import { useCallback, useState, type ReactNode } from 'react';
import type { z } from 'zod';
import { useApi } from '../../app/services';
import type { Query } from '../api/api-client';
import { useAsync } from '../ui/hooks';
import { useConfirm, type ConfirmRequest } from './dialogs';

interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface ResourceList<T> {
  /** Undefined until the first page arrives. */
  items: T[] | undefined;
  error: unknown;
  isLoading: boolean;
  hasMore: boolean;
  isLoadingMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

export function useResourceList<T>({
  path,
  query,
  schema,
  key = '',
}: {
  path: string;
  query?: Query;
  schema: z.ZodType<Page<T>>;
  /** Anything else that should reload the list when it changes. */
  key?: string;
}): ResourceList<T> {
  const api = useApi();
  const [moreError, setMoreError] = useState<unknown>(null);
  const [isLoadingMore, setIsLoadingMore] = useState(false);
  const page = useAsync(
    (signal) => api.request('GET', path, { query, schema, signal }),
    `${path}?${JSON.stringify(query ?? {})}#${key}`,
  );
  const cursor = page.data?.next_cursor ?? null;
  const { setData } = page;
  const loadMore = useCallback(() => {
    if (!cursor) return;
    setIsLoadingMore(true);
    setMoreError(null);
    api.request('GET', path, { query: { ...query, cursor }, schema }).then(
      (next) => {
        setData((current) => current && { items: [...current.items, ...next.items], next_cursor: next.next_cursor });
        setIsLoadingMore(false);
      },
      (failure: unknown) => {
        setMoreError(failure);
        setIsLoadingMore(false);
      },
    );
  }, [api, path, query, schema, cursor, setData]);
  return {
    items: page.data?.items,
    error: page.error ?? moreError,
    isLoading: page.isLoading,
    hasMore: cursor !== null,
    isLoadingMore,
    loadMore,
    reload: page.reload,
  };
}

export interface Actions {
  /**
   * Runs `action` (after `confirm`, when given): on success calls the screen's `onDone`
   * (a reload) and resolves true; on failure keeps the error and resolves false.
   */
  run: (action: () => Promise<unknown>, confirm?: ConfirmRequest) => Promise<boolean>;
  error: unknown;
  isBusy: boolean;
  clearError: () => void;
  /** The confirmation dialog: render it once in the screen. */
  dialog: ReactNode;
}

export function useActions(onDone?: () => void): Actions {
  const { confirm, dialog } = useConfirm();
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setIsBusy] = useState(false);
  const run = async (action: () => Promise<unknown>, request?: ConfirmRequest) => {
    if (request && !(await confirm(request))) return false;
    setError(null);
    setIsBusy(true);
    try {
      await action();
      onDone?.();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setIsBusy(false);
    }
  };
  return { run, error, isBusy, clearError: () => setError(null), dialog };
}
