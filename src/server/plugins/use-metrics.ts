import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../gateway-metrics.js';

/**
 * Prometheus metrics: Yoga's (requests, errors by phase, parse, validate, execute and HTTP durations)
 * through @graphql-yoga/plugin-prometheus, and the gateway's own (see GatewayMetrics), served at
 * `metrics.endpoint`. Put it first among the plugins: a plugin that refuses an operation in
 * onExecute stops the onExecute hooks after it, and the refusal would not be counted as a request.
 */
export function useMetrics(metrics: GatewayMetrics): Plugin {
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        usePrometheus({
          registry: metrics.registry,
          endpoint: metrics.endpoint,
          metrics: {
            graphql_envelop_request: true,
            graphql_envelop_phase_parse: true,
            graphql_envelop_phase_validate: true,
            graphql_envelop_phase_execute: true,
            graphql_envelop_error_result: true,
            graphql_yoga_http_duration: true,
            // Off, to keep the cost per request low: request_duration times the same span as phase_execute,
            // building the context is one object, a summary computes quantiles on every observation, no
            // field is deprecated (the counter would walk every document for nothing), and the gateway has
            // no subscriptions or schema changes.
            graphql_envelop_request_duration: false,
            graphql_envelop_phase_context: false,
            graphql_envelop_request_time_summary: false,
            graphql_envelop_deprecated_field: false,
            graphql_envelop_phase_subscribe: false,
            graphql_envelop_schema_change: false,
            graphql_envelop_execute_resolver: false,
          },
          // A client chooses its operation name, its aliases (the error path) and its URL: as labels,
          // each new value would be a new series, and a client could fill the gateway's memory with them.
          labels: { operationName: false, path: false, url: false },
        }),
      );
    },
    // Every response passes here, refused requests included, whatever refused them and when.
    onResultProcess({ result }) {
      for (const each of Array.isArray(result) ? result : [result]) {
        const errors = (each as { errors?: readonly GraphQLError[] }).errors;
        if (errors?.length) metrics.countErrors(errors);
      }
    },
    onResponse({ request }) {
      metrics.requestDone(request);
    },
  };
}
