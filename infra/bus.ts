/**
 * The EventBridge bus of `app-connection.created/.updated/.deleted` (from the table's stream) and
 * `provisioning.succeeded/.failed` (from the intake), source `okta.app-connections`.
 */
export const bus = new sst.aws.Bus("Events");
