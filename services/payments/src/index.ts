// What other workspaces may use without starting the service (package main is dist/main.js, which runs it).
export { gatewayOutcome, outcomeDraw, type GatewayOutcome } from './domain/outcome';
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, DELIVERY_ID_HEADER } from '@orderflow/runtime';
export { paymentIdFor } from './domain/payment-events';
export { paymentsService, definition, type PaymentsServiceOptions } from './app';
export { loadPaymentsConfig, paymentsEnv, type PaymentsConfig } from './config';
export { SimulatedGateway } from './gateway/simulated-gateway';
