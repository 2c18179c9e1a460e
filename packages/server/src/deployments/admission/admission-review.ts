/**
 * The subset of Kubernetes' AdmissionReview `admission.k8s.io/v1` (apiserver-admission.v1) that
 * Cairn reads, and the response it sends. The route's schema (http/routes/deployments.ts) checks
 * these fields and lets the API server's other fields through, as the wire protocol grows.
 */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export type KubeObject = Readonly<Record<string, unknown>>;

export interface AdmissionRequest {
  /** Copied into `response.uid`: how the API server matches the answer to its question. */
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly subResource?: string | undefined;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  readonly userInfo?: { readonly username?: string | undefined } | undefined;
  /** The object as it will be (null on DELETE). Attacker-shaped: read defensively. */
  readonly object?: KubeObject | null | undefined;
  /** The object before an UPDATE or DELETE. */
  readonly oldObject?: KubeObject | null | undefined;
  /** A dry run: decide, but change nothing (the webhook is registered `sideEffects: NoneOnDryRun`). */
  readonly dryRun?: boolean | undefined;
}

export interface AdmissionReview {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly request: AdmissionRequest;
}

/** The answer: the same apiVersion and kind, `response.uid` = `request.uid`; a denial carries a meta/v1 Status. */
export interface AdmissionReviewResponse {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: 403; readonly message: string };
  };
}

export function admissionResponse(uid: string, allowed: boolean, message: string): AdmissionReviewResponse {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: allowed ? { uid, allowed: true } : { uid, allowed: false, status: { code: 403, message } },
  };
}
