import pg from "pg";
import { testServices, uniqueId } from "./services.ts";

/** A throwaway PostgreSQL database on the real server, dropped by `drop()`. */
export interface TestPostgres {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database named `parley_<random>` on the test server.
 * @example
 * const pgdb = await createTestPostgres(); ...; await pgdb.drop();
 */
export async function createTestPostgres(): Promise<TestPostgres> {
  const name = uniqueId("parley_");
  const admin = new pg.Client({ connectionString: testServices.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testServices.postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: testServices.postgresUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
