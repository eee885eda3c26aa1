// Failed answers as the apiserver sends them (a metav1.Status body) and as src/kube/client.ts hands them on,
// so that code under test cannot tell an in-memory fake from the real thing.

import { ApiException } from '@kubernetes/client-node';
import { CallError } from '../../src/errors.ts';
import { kubeFailure } from '../../src/kube/client.ts';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
}

/** An ApiException as client-node 2.x throws it for a non-2xx answer: the raw Status text is its body. */
export function apiserverError(
  code: number,
  reason: string,
  message: string,
  details: StatusDetails = {},
): ApiException<string> {
  const status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code,
  };
  return new ApiException(code, 'Unknown API Status Code!', JSON.stringify(status), {
    'content-type': 'application/json',
  });
}

/** What KubeClient throws when a call got this answer. */
export function kubeCallError(operation: string, answer: ApiException<string>): CallError {
  return new CallError(operation, kubeFailure(answer), { cause: answer });
}

/**
 * The answer to a JSON patch whose `test` op fails: 422 Invalid, with the generic message (the apiserver's
 * patch handler, k8s.io/apiserver endpoints/handlers/patch.go, wraps any patch-apply error that way).
 */
export function patchTestFailed(): ApiException<string> {
  return apiserverError(422, 'Invalid', 'the server rejected our request due to an error in our request');
}

/** The answer for a custom object that does not exist. */
export function customObjectNotFound(group: string, plural: string, name: string): ApiException<string> {
  return apiserverError(404, 'NotFound', `${plural}.${group} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}
