/** The projects module: a team's software projects, which conversations (and later more) belong to. */
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import * as projectsMigration from "./migrations/2026-12-06T1000-projects.ts";
import { projectsErrors } from "./projects.errors.ts";
import { ProjectRepository } from "./projects.repository.ts";
import { registerProjectRoutes } from "./projects.routes.ts";
import { ProjectService } from "./projects.service.ts";

/** What the projects module offers the modules built after it. */
export interface ProjectsExports {
  projects: ProjectService;
}

/** Projects: CRUD per team, archived or not; members inherit from the team. */
export const projectsModule = defineModule({
  name: "projects",
  errors: projectsErrors,
  topics: {},
  needs: ["audit"],
  permissions: ["projects:read", "projects:manage"],
  tables: ["projects"],
  migrations: {
    "2026-12-06T1000-projects": projectsMigration,
  },
  build: (ctx, deps: { audit: AuditExports }) => {
    const projects = new ProjectService({
      projects: new ProjectRepository(ctx.platform.database),
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
    });
    return {
      exports: { projects } satisfies ProjectsExports,
      routes: (app) => {
        registerProjectRoutes(app, { projects });
      },
    };
  },
});

export type { ProjectService } from "./projects.service.ts";
export type { ProjectsTables } from "./projects.tables.ts";
