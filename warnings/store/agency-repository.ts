import type { Kysely, Selectable } from "kysely";
import type { Clock } from "../../kernel/clock.js";
import type { AgencyRole } from "../../kernel/roles.js";
import type { Agency, AgencyBody } from "../model/agency.js";
import type { HazardType } from "../model/hazard.js";
import type { AgenciesTable, WarningTables } from "./warning-schema.js";

/** Agencies and their members in SQL, nothing more: who may do what is decided in warnings/model. */
export interface AgencyRepository {
  list(): Promise<Agency[]>;
  get(id: number): Promise<Agency | undefined>;
  /** Undefined when the code is taken. */
  create(body: AgencyBody): Promise<Agency | undefined>;
  /** Undefined when there is no such agency; false when the new code is taken. */
  update(id: number, body: AgencyBody): Promise<Agency | undefined | false>;
  /** Adds a member or changes their role. Undefined when there is no such agency. */
  setMember(id: number, username: string, role: AgencyRole): Promise<Agency | undefined>;
  /** Undefined when there is no such agency. */
  removeMember(id: number, username: string): Promise<Agency | undefined>;
  /** The agencies a user belongs to, with their role in each. */
  membershipsOf(username: string): Promise<{ agencyId: number; role: AgencyRole }[]>;
}

type Db = Kysely<WarningTables>;

export function createAgencyRepository(db: Db, clock: Clock): AgencyRepository {
  async function toAgency(row: Selectable<AgenciesTable>): Promise<Agency> {
    const members = await db
      .selectFrom("agency_members")
      .select(["username", "role"])
      .where("agency_id", "=", row.id)
      .orderBy("username")
      .execute();
    return {
      id: Number(row.id),
      code: row.code,
      name: { vi: row.name_vi, en: row.name_en },
      hazards: JSON.parse(row.hazards) as HazardType[],
      communes: JSON.parse(row.communes) as string[],
      secondApproval: Number(row.second_approval) === 1,
      members: members.map((m) => ({ username: m.username, role: m.role as AgencyRole })),
    };
  }

  const columns = (body: AgencyBody) => ({
    code: body.code,
    name_vi: body.name.vi,
    name_en: body.name.en ? body.name.en : null,
    hazards: JSON.stringify([...new Set(body.hazards)]),
    communes: JSON.stringify([...new Set(body.communes)].sort()),
    second_approval: body.secondApproval ? 1 : 0,
  });

  async function get(id: number) {
    const row = await db.selectFrom("agencies").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toAgency(row) : undefined;
  }

  const codeTaken = async (code: string, except?: number) => {
    let query = db.selectFrom("agencies").select("id").where("code", "=", code);
    if (except !== undefined) query = query.where("id", "!=", except);
    return (await query.executeTakeFirst()) !== undefined;
  };

  return {
    async list() {
      const rows = await db.selectFrom("agencies").selectAll().orderBy("id").execute();
      return Promise.all(rows.map(toAgency));
    },
    get,
    async create(body) {
      if (await codeTaken(body.code)) return undefined;
      const now = clock.now();
      const row = await db
        .insertInto("agencies")
        .values({ ...columns(body), created_at: now, updated_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      return get(Number(row.id));
    },
    async update(id, body) {
      if (!(await get(id))) return undefined;
      if (await codeTaken(body.code, id)) return false;
      await db
        .updateTable("agencies")
        .set({ ...columns(body), updated_at: clock.now() })
        .where("id", "=", id)
        .execute();
      return get(id);
    },
    async setMember(id, username, role) {
      if (!(await get(id))) return undefined;
      await db.transaction().execute(async (tx) => {
        await tx
          .deleteFrom("agency_members")
          .where("agency_id", "=", id)
          .where("username", "=", username)
          .execute();
        await tx.insertInto("agency_members").values({ agency_id: id, username, role }).execute();
      });
      return get(id);
    },
    async removeMember(id, username) {
      if (!(await get(id))) return undefined;
      await db
        .deleteFrom("agency_members")
        .where("agency_id", "=", id)
        .where("username", "=", username)
        .execute();
      return get(id);
    },
    async membershipsOf(username) {
      const rows = await db
        .selectFrom("agency_members")
        .select(["agency_id", "role"])
        .where("username", "=", username)
        .orderBy("agency_id")
        .execute();
      return rows.map((r) => ({ agencyId: Number(r.agency_id), role: r.role as AgencyRole }));
    },
  };
}
