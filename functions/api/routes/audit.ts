import type { ConnectionService } from "../../core/connections/service";
import type { Router } from "../router";
import { pageQuerySchema } from "../schemas";

/** Contract section 4b: newest first; without `projectId`, the org-level events. */
export function registerAuditRoutes(router: Router, service: ConnectionService) {
  router.add(
    {
      tag: "Audit logs",
      method: "get",
      path: "/api/v1/audit-logs",
      summary: "Audit events of connection changes (project admins and org admins)",
      query: pageQuerySchema,
      response: "auditLogs",
    },
    async ({ query, ctx }) => {
      const page = await service.auditLog(ctx, query);
      return page.nextCursor === undefined ? { auditLogs: page.items } : { auditLogs: page.items, nextCursor: page.nextCursor };
    },
  );
}
