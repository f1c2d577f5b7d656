import { ApiError, type ApiErrorReason } from '../errors.js';

const CODES: Record<ApiErrorReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Forbidden: 403,
  BadRequest: 400,
  MethodNotAllowed: 405,
  UnsupportedMediaType: 415,
};

export interface Details {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
}

/** A `metav1.Status` failure, as the API server answers every error. */
export function failureStatus(error: ApiError, details: Details = {}): { code: number; body: Record<string, unknown> } {
  const code = CODES[error.reason];
  return {
    code,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: error.message,
      reason: error.reason,
      details: clean(details),
      code,
    },
  };
}

export function successStatus(details: Details): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: clean(details) };
}

function clean(details: Details): Details {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined && value !== ''));
}
