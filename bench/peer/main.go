// batchpool-peer: a minimal controller-runtime operator that does the Kubernetes half of
// batchpool-operator's job, and nothing of the Azure half. bench/scale.ts runs it against the same
// apiserver and the same BatchPools as our operator, to measure the two processes' memory side by side.
//
// Per BatchPool it: reads the object from the manager's cache (unstructured, so the cache holds the
// whole object as the apiserver serves it, managedFields stripped as our operator strips them), adds its
// finalizer, patches status (phase, observedGeneration, a Ready condition) with a merge patch only when
// that changes, requeues every 5 minutes, and removes its finalizer when the object is being deleted.
// Everything else is controller-runtime's default: one worker, its default client, no leader election.
package main

import (
	"context"
	"flag"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The API's names, as src/api/constants.ts has them.
var poolGVK = schema.GroupVersionKind{Group: "batch.pooloperator.dev", Version: "v1alpha1", Kind: "BatchPool"}

// Writes the peer made, by kind (finalizer, status), for the benchmark to read off /metrics.
var writes = prometheus.NewCounterVec(
	prometheus.CounterOpts{Name: "batchpool_peer_writes_total", Help: "Patches the peer sent, by kind."},
	[]string{"kind"},
)

func newPool() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(poolGVK)
	return u
}

type reconciler struct {
	client    client.Client
	finalizer string
	resync    time.Duration
}

func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pool := newPool()
	if err := r.client.Get(ctx, req.NamespacedName, pool); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	if !pool.GetDeletionTimestamp().IsZero() {
		if controllerutil.ContainsFinalizer(pool, r.finalizer) {
			base := pool.DeepCopy()
			controllerutil.RemoveFinalizer(pool, r.finalizer)
			if err := r.client.Patch(ctx, pool, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
				return ctrl.Result{}, client.IgnoreNotFound(err)
			}
			writes.WithLabelValues("finalizer").Inc()
		}
		return ctrl.Result{}, nil
	}

	if !controllerutil.ContainsFinalizer(pool, r.finalizer) {
		base := pool.DeepCopy()
		controllerutil.AddFinalizer(pool, r.finalizer)
		if err := r.client.Patch(ctx, pool, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			return ctrl.Result{}, err
		}
		writes.WithLabelValues("finalizer").Inc()
	}

	if base := pool.DeepCopy(); setStatus(pool) {
		if err := r.client.Status().Patch(ctx, pool, client.MergeFrom(base)); err != nil {
			return ctrl.Result{}, err
		}
		writes.WithLabelValues("status").Inc()
	}
	return ctrl.Result{RequeueAfter: r.resync}, nil
}

// setStatus brings status.phase, status.observedGeneration and the Ready condition to what the peer
// reports (it knows no Azure: a pool it has seen is Ready); reports whether anything changed. A Ready
// condition that is already True for this generation is left as it is, reason and message included.
func setStatus(pool *unstructured.Unstructured) bool {
	gen := pool.GetGeneration()
	status, _, _ := unstructured.NestedMap(pool.Object, "status")
	if status == nil {
		status = map[string]any{}
	}
	changed := false
	if phase, _, _ := unstructured.NestedString(status, "phase"); phase != "Ready" {
		status["phase"] = "Ready"
		changed = true
	}
	if og, _, _ := unstructured.NestedInt64(status, "observedGeneration"); og != gen {
		status["observedGeneration"] = gen
		changed = true
	}
	conditions, _, _ := unstructured.NestedSlice(status, "conditions")
	ready := map[string]any{
		"type":               "Ready",
		"status":             "True",
		"reason":             "Reconciled",
		"message":            "The peer has seen this generation.",
		"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		"observedGeneration": gen,
	}
	found := false
	for i, c := range conditions {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != "Ready" {
			continue
		}
		found = true
		og, _, _ := unstructured.NestedInt64(m, "observedGeneration")
		if m["status"] != "True" || og != gen {
			if m["status"] == "True" {
				ready["lastTransitionTime"] = m["lastTransitionTime"] // no transition, a newer generation
			}
			conditions[i] = ready
			changed = true
		}
	}
	if !found {
		conditions = append(conditions, ready)
		changed = true
	}
	if !changed {
		return false
	}
	status["conditions"] = conditions
	_ = unstructured.SetNestedField(pool.Object, status, "status")
	return true
}

func main() {
	var metricsAddr, finalizer string
	var resync time.Duration
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", `Address of the metrics endpoint; "0" turns it off.`)
	flag.StringVar(&finalizer, "finalizer", "bench.pooloperator.dev/peer", "The finalizer the peer puts on each BatchPool.")
	flag.DurationVar(&resync, "resync", 5*time.Minute, "How long after a reconcile each BatchPool is reconciled again.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("peer")

	metrics.Registry.MustRegister(writes)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Metrics:                metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress: "0",
		LeaderElection:         false,
		Cache:                  cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
		// Serve unstructured reads from the cache too (controller-runtime reads them live by default).
		Client: client.Options{Cache: &client.CacheOptions{Unstructured: true}},
	})
	if err != nil {
		log.Error(err, "cannot create the manager")
		os.Exit(1)
	}
	r := &reconciler{client: mgr.GetClient(), finalizer: finalizer, resync: resync}
	if err := ctrl.NewControllerManagedBy(mgr).For(newPool()).Named("batchpool").Complete(r); err != nil {
		log.Error(err, "cannot create the controller")
		os.Exit(1)
	}
	log.Info("starting", "finalizer", finalizer, "resync", resync.String())
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}
