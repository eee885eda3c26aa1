import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.ts';

function series(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('operator metrics', () => {
  it('exposes the controller-runtime and workqueue names dashboards query, with their labels', async () => {
    const m = createMetrics({ processMetrics: false });
    m.reconcile.register('batchpool', 4);
    m.reconcile.observe('batchpool', 'success', 0.2);
    m.reconcile.observe('batchpool', 'error', 1.5);
    m.reconcile.observe('batchpool', 'requeue_after', 0.1);
    m.reconcile.activeWorkers('batchpool', 2);
    const q = m.queue('batchpool');
    q.add();
    q.add();
    q.retry();
    q.depth(7);
    q.queued(0.5);
    q.worked(0.25);
    q.inFlight(3, 2);
    m.leader.set('batchpool-operator-leader', true);
    const text = await m.render();

    expect(series(text, 'controller_runtime_reconcile_total')).toEqual([
      'controller_runtime_reconcile_total{controller="batchpool",result="success"} 1',
      'controller_runtime_reconcile_total{controller="batchpool",result="error"} 1',
      'controller_runtime_reconcile_total{controller="batchpool",result="requeue"} 0',
      'controller_runtime_reconcile_total{controller="batchpool",result="requeue_after"} 1',
    ]);
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="batchpool"} 1');
    expect(text).toContain('controller_runtime_reconcile_time_seconds_count{controller="batchpool"} 3');
    expect(text).toContain(
      'controller_runtime_reconcile_time_seconds_bucket{le="0.25",controller="batchpool"} 2',
    );
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="batchpool"} 4');
    expect(text).toContain('controller_runtime_active_workers{controller="batchpool"} 2');
    expect(text).toContain('workqueue_depth{name="batchpool"} 7');
    expect(text).toContain('workqueue_adds_total{name="batchpool"} 2');
    expect(text).toContain('workqueue_retries_total{name="batchpool"} 1');
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="batchpool"} 1');
    expect(text).toContain('workqueue_work_duration_seconds_sum{name="batchpool"} 0.25');
    expect(text).toContain('workqueue_unfinished_work_seconds{name="batchpool"} 3');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="batchpool"} 2');
    expect(text).toContain('leader_election_master_status{name="batchpool-operator-leader"} 1');
    expect(text).toMatch(/# TYPE controller_runtime_reconcile_time_seconds histogram/);
    expect(text).toMatch(/# TYPE workqueue_adds_total counter/);
  });

  it('reports pool sizes, resize attempts by code and image availability, and forgets deleted pools', async () => {
    const m = createMetrics({ processMetrics: false });
    m.pool.set('vfx', 'render', {
      targetDedicatedNodes: 600,
      targetLowPriorityNodes: 10,
      currentDedicatedNodes: 412,
      currentLowPriorityNodes: 0,
      imageAvailable: true,
    });
    m.pool.set('genomics', 'align', {
      targetDedicatedNodes: 3,
      targetLowPriorityNodes: 0,
      currentDedicatedNodes: 3,
      currentLowPriorityNodes: 0,
      imageAvailable: false,
    });
    m.pool.resizeAttempt('vfx', 'render', 'none');
    m.pool.resizeAttempt('vfx', 'render', 'AllocationFailed');
    m.pool.resizeAttempt('vfx', 'render', 'AllocationFailed');
    let text = await m.render();
    expect(text).toContain('batchpool_target_nodes{namespace="vfx",name="render",priority="dedicated"} 600');
    expect(text).toContain('batchpool_target_nodes{namespace="vfx",name="render",priority="lowpriority"} 10');
    expect(text).toContain('batchpool_current_nodes{namespace="vfx",name="render",priority="dedicated"} 412');
    expect(text).toContain(
      'batchpool_resize_attempts_total{namespace="vfx",name="render",code="AllocationFailed"} 2',
    );
    expect(text).toContain('batchpool_resize_attempts_total{namespace="vfx",name="render",code="none"} 1');
    expect(text).toContain('batchpool_image_available{namespace="vfx",name="render"} 1');
    expect(text).toContain('batchpool_image_available{namespace="genomics",name="align"} 0');

    m.pool.forget('vfx', 'render');
    text = await m.render();
    expect(text).not.toContain('name="render"');
    expect(text).toContain(
      'batchpool_current_nodes{namespace="genomics",name="align",priority="dedicated"} 3',
    );
  });

  it('shows a pool’s nodes by state and its usable nodes, zeroes a state that emptied, forgets them with the pool', async () => {
    const m = createMetrics({ processMetrics: false });
    const sample = {
      targetDedicatedNodes: 5,
      targetLowPriorityNodes: 0,
      currentDedicatedNodes: 5,
      currentLowPriorityNodes: 0,
    };
    m.pool.set('vfx', 'render', { ...sample, nodes: { idle: 3, unusable: 2 }, usableNodes: 3 });
    let text = await m.render();
    expect(text).toContain('batchpool_nodes{namespace="vfx",name="render",state="unusable"} 2');
    expect(text).toContain('batchpool_nodes{namespace="vfx",name="render",state="idle"} 3');
    expect(text).toContain('batchpool_usable_nodes{namespace="vfx",name="render"} 3');
    m.pool.set('vfx', 'render', { ...sample, nodes: { idle: 5 }, usableNodes: 5 });
    text = await m.render();
    expect(text).toContain('batchpool_nodes{namespace="vfx",name="render",state="unusable"} 0');
    m.pool.forget('vfx', 'render');
    text = await m.render();
    expect(text).not.toMatch(/batchpool_(usable_)?nodes\{[^}]*name="render"/);
  });

  it('counts recovered nodes by kind, both kinds present from the start', async () => {
    const m = createMetrics({ processMetrics: false });
    expect(await m.render()).toContain('batchpool_node_recovery_actions_total{kind="remove"} 0');
    m.pool.recovered('reboot', 2);
    m.pool.recovered('remove', 3);
    m.pool.recovered('remove', 1);
    const text = await m.render();
    expect(text).toContain('batchpool_node_recovery_actions_total{kind="reboot"} 2');
    expect(text).toContain('batchpool_node_recovery_actions_total{kind="remove"} 4');
  });

  it('records Azure calls by status, including failed ones', async () => {
    const m = createMetrics({ processMetrics: false });
    m.azure.observe('batch', 'pool.get', 200, 0.01);
    m.azure.observe('batch', 'pool.resize', 409, 0.01);
    m.azure.observe('compute', 'images.get', 'ECONNRESET', 0.01);
    m.azure.observe('identity', 'getToken', 200, 0.05);
    const text = await m.render();
    expect(text).toContain('azure_requests_total{service="batch",operation="pool.get",code="200"} 1');
    expect(text).toContain('azure_requests_total{service="batch",operation="pool.resize",code="409"} 1');
    expect(text).toContain(
      'azure_requests_total{service="compute",operation="images.get",code="ECONNRESET"} 1',
    );
    expect(text).toContain('azure_requests_total{service="identity",operation="getToken",code="200"} 1');
    expect(text).toContain('azure_request_duration_seconds_count{service="batch",operation="pool.resize"} 1');
  });

  it('records each Batch account request budget by account: requests, waits, throttles, pauses, refusals', async () => {
    const m = createMetrics({ processMetrics: false });
    m.accountBudget.sent('a.westeurope.batch.azure.com', 0);
    m.accountBudget.sent('a.westeurope.batch.azure.com', 2.5);
    m.accountBudget.throttled('a.westeurope.batch.azure.com', 30);
    m.accountBudget.throttled('a.westeurope.batch.azure.com', 0);
    m.accountBudget.refused('a.westeurope.batch.azure.com');
    m.accountBudget.sent('b.westeurope.batch.azure.com', 0);
    const text = await m.render();
    const a = '{account="a.westeurope.batch.azure.com"}';
    expect(text).toContain(`batchpool_azure_account_requests_total${a} 2`);
    expect(text).toContain(`batchpool_azure_throttled_total${a} 2`);
    expect(text).toContain(`batchpool_azure_paused_seconds_total${a} 30`);
    expect(text).toContain(`batchpool_azure_budget_refused_total${a} 1`);
    expect(text).toContain(`batchpool_azure_budget_wait_seconds_sum${a} 2.5`);
    expect(text).toContain(
      'batchpool_azure_account_requests_total{account="b.westeurope.batch.azure.com"} 1',
    );
    expect(text).not.toContain('batchpool_azure_throttled_total{account="b.');
  });

  it('includes the Node process metrics by default, and registries do not share state', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.leader.set('x', true);
    const text = await a.render();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(await b.render()).not.toContain('leader_election_master_status{name="x"}');
  });
});
