import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  type GraphQLObjectType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { invitationMethodLabel } from '../src/domain/invitationMethods.ts';
import { emulatorSdl, removedIn2026_10, type SchemaVersion } from '../src/emulator/schemaSdl.ts';
import { usersPageDocument } from '../src/monday/mondayApi.ts';
import * as operations from '../src/monday/operations.ts';

// monday's schemas live beside the project in shared/reference; MONDAY_SCHEMA_DIR points elsewhere (CI sets it
// and SEATWISE_REQUIRE_SCHEMAS, so there a missing schema fails instead of skipping).
const directories = [
  process.env.MONDAY_SCHEMA_DIR,
  fileURLToPath(new URL('../../shared/reference/', import.meta.url)),
].filter((p): p is string => Boolean(p));
const files = { '2026-07': 'monday-schema.graphql', '2026-10': 'monday-schema-2026-10.graphql' } as const;
const schemaFile = (version: SchemaVersion) =>
  directories.map((d) => `${d.replace(/\/?$/, '/')}${files[version]}`).find((p) => existsSync(p)) ?? null;
const versions = (['2026-07', '2026-10'] as const).map((v) => [v, schemaFile(v)] as const);
for (const [version, file] of versions) {
  if (file) continue;
  const where = `no ${files[version]} in ${directories.join(' or ')}`;
  if (process.env.SEATWISE_REQUIRE_SCHEMAS === '1')
    throw new Error(`SEATWISE_REQUIRE_SCHEMAS is set and monday's ${version} schema is missing: ${where}`);
  console.warn(`monday schema contract tests for ${version} skipped: ${where}`);
}

/** Documents that only the versions that still have the legacy user booleans take. */
const legacyOnly = new Set(['USERS_PAGE']);
/** Documents only 2026-10 and later take (automations); on 2026-07 both schemas refuse them. */
const newOnly = new Set(['BOARD_AUTOMATIONS']);

describe.each(versions)("contract with monday's published %s schema", (version, schemaPath) => {
  const present = schemaPath !== null;
  const real = present
    ? buildSchema(readFileSync(schemaPath, 'utf8'), { assumeValidSDL: true })
    : (null as unknown as GraphQLSchema);
  const emulator = buildSchema(emulatorSdl[version]);
  const maybe = present ? it : it.skip;

  maybe('says in words every way monday says a user came in (its InvitationMethod values)', () => {
    const methods = real.getType('InvitationMethod');
    expect(isEnumType(methods)).toBe(true);
    const values = isEnumType(methods) ? methods.getValues().map((v) => v.name) : [];
    expect(values.length).toBeGreaterThan(5);
    expect(values.filter((v) => !invitationMethodLabel[v])).toEqual([]);
  });

  maybe('declares only types that monday has, of the same kind', () => {
    for (const type of Object.values(emulator.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const theirs = real.getType(type.name);
      expect(theirs, `type ${type.name}`).toBeDefined();
      expect(theirs!.constructor.name, `kind of ${type.name}`).toBe(type.constructor.name);
    }
  });

  maybe('declares only fields and arguments that monday has, with the same types', () => {
    const problems: string[] = [];
    for (const type of Object.values(emulator.getTypeMap())) {
      if (type.name.startsWith('__') || isScalarType(type)) continue;
      const theirs = real.getType(type.name);
      if (isEnumType(type) && isEnumType(theirs)) {
        const values = new Set(theirs.getValues().map((v) => v.name));
        for (const v of type.getValues()) if (!values.has(v.name)) problems.push(`${type.name}.${v.name}`);
        continue;
      }
      if (
        (isObjectType(type) || isInterfaceType(type)) &&
        (isObjectType(theirs) || isInterfaceType(theirs))
      ) {
        const fields = theirs.getFields();
        for (const field of Object.values(type.getFields())) {
          const real = fields[field.name];
          if (!real) {
            problems.push(`${type.name}.${field.name} is not in monday's schema`);
            continue;
          }
          if (String(real.type) !== String(field.type))
            problems.push(`${type.name}.${field.name}: ${field.type} vs ${real.type}`);
          for (const arg of field.args) {
            const realArg = real.args.find((a) => a.name === arg.name);
            if (!realArg) problems.push(`${type.name}.${field.name}(${arg.name}) is not in monday's schema`);
            else if (String(realArg.type) !== String(arg.type))
              problems.push(`${type.name}.${field.name}(${arg.name}): ${arg.type} vs ${realArg.type}`);
            else if (JSON.stringify(realArg.defaultValue) !== JSON.stringify(arg.defaultValue)) {
              problems.push(
                `${type.name}.${field.name}(${arg.name}) default ${arg.defaultValue} vs ${realArg.defaultValue}`,
              );
            }
          }
        }
        continue;
      }
      if (isInputObjectType(type) && isInputObjectType(theirs)) {
        const fields = theirs.getFields();
        for (const field of Object.values(type.getFields())) {
          if (!fields[field.name]) problems.push(`${type.name}.${field.name} is not in monday's schema`);
          else if (String(fields[field.name]!.type) !== String(field.type))
            problems.push(`${type.name}.${field.name}: type differs`);
        }
        continue;
      }
      problems.push(`${type.name}: kind differs`);
    }
    expect(problems).toEqual([]);
  });

  // Types a client reaches through the users query and the user mutations: each must be complete, so a
  // third-party client asking monday's fields of them never gets an error from the emulator.
  const servedTypes = [
    'User',
    'Account',
    'Team',
    'Plan',
    'AccountProduct',
    'Complexity',
    'UserActivityLogsPage',
    'ActivityLog',
    'Department',
    'CustomFieldMetas',
    'CustomFieldValue',
    'OutOfOffice',
    'PhotoUrl',
    'UserConfig',
    'InviteUsersResult',
    'InviteUsersError',
    'UpdateUsersRoleResult',
    'UpdateUsersRoleError',
    'DeactivateUsersResult',
    'DeactivateUsersError',
    'ActivateUsersResult',
    'ActivateUsersError',
    'ChangeTeamMembershipsResult',
    'AssignTeamOwnersResult',
    'AssignTeamOwnersError',
    'RemoveTeamOwnersResult',
    'RemoveTeamOwnersError',
    'Version',
    'ServiceUser',
    'PlatformApi',
    'DailyLimit',
    'PlatformApiDailyAnalyticsByDay',
    'PlatformApiDailyAnalyticsByUser',
    'CreateServiceUserResult',
    ...(version === '2026-10' ? ['DailyLimitAddon'] : []),
  ];

  maybe(
    'serves every field and argument monday has on the types it serves, and every argument of users and the user mutations',
    () => {
      const missing: string[] = [];
      for (const name of servedTypes) {
        const ours = emulator.getType(name);
        const theirs = real.getType(name);
        if (!isObjectType(theirs)) throw new Error(`${name} is not an object type in monday's schema`);
        if (!isObjectType(ours)) {
          missing.push(`type ${name}`);
          continue;
        }
        for (const field of Object.values(theirs.getFields())) {
          const mine = ours.getFields()[field.name];
          if (!mine) missing.push(`${name}.${field.name}`);
          else
            for (const arg of field.args)
              if (!mine.args.some((a) => a.name === arg.name))
                missing.push(`${name}.${field.name}(${arg.name})`);
        }
      }
      const roots: [string, string[]][] = [
        ['Query', ['users', 'teams', 'version', 'versions', 'platform_api', 'service_users']],
        [
          'Mutation',
          [
            'invite_users',
            'update_users_role',
            'deactivate_users',
            'activate_users',
            'add_users_to_team',
            'remove_users_from_team',
            'create_team',
            'delete_team',
            'assign_team_owners',
            'remove_team_owners',
            'create_service_user',
            'revoke_service_user_tokens',
          ],
        ],
      ];
      for (const [root, fields] of roots) {
        const theirs = (real.getType(root) as GraphQLObjectType).getFields();
        const ours = (emulator.getType(root) as GraphQLObjectType).getFields();
        for (const field of fields) {
          if (!ours[field]) missing.push(`${root}.${field}`);
          else if (String(ours[field].type) !== String(theirs[field]!.type))
            missing.push(`${root}.${field}: ${ours[field].type} vs ${theirs[field]!.type}`);
          for (const arg of theirs[field]!.args) {
            const mine = ours[field]?.args.find((a) => a.name === arg.name);
            // Both ways: every argument monday takes, with its type and nullability.
            if (!mine) missing.push(`${root}.${field}(${arg.name})`);
            else if (String(mine.type) !== String(arg.type))
              missing.push(`${root}.${field}(${arg.name}): ${mine.type} vs ${arg.type}`);
          }
        }
      }
      // Input types a client sends must take every field monday's take, with the same types.
      for (const name of [
        'CreateTeamAttributesInput',
        'CreateTeamOptionsInput',
        'UserKindFilterInput',
        'UsersSortInput',
      ]) {
        const ours = emulator.getType(name);
        const theirs = real.getType(name);
        if (!isInputObjectType(ours) || !isInputObjectType(theirs)) {
          missing.push(`input ${name}`);
          continue;
        }
        for (const field of Object.values(theirs.getFields())) {
          const mine = ours.getFields()[field.name];
          if (!mine) missing.push(`${name}.${field.name}`);
          else if (String(mine.type) !== String(field.type))
            missing.push(`${name}.${field.name}: ${mine.type} vs ${field.type}`);
        }
      }
      expect(missing).toEqual([]);
    },
  );

  (version === '2026-07' ? maybe : it.skip)(
    'removes on 2026-10 only fields that monday marks deprecated in 2026-07',
    () => {
      const user = real.getType('User');
      if (!isObjectType(user)) throw new Error('User is not an object type');
      for (const name of removedIn2026_10)
        expect(user.getFields()[name]?.deprecationReason, name).toBeTruthy();
      const current = buildSchema(emulatorSdl['2026-10']).getType('User');
      if (!isObjectType(current)) throw new Error('User is not an object type');
      for (const name of removedIn2026_10) expect(current.getFields()[name]).toBeUndefined();
      expect(current.getFields().kind).toBeDefined();
    },
  );

  const documents = Object.entries(operations).filter(([, v]) => typeof v === 'string') as [string, string][];

  maybe('has operation documents to check', () => {
    expect(documents.length).toBeGreaterThanOrEqual(6);
  });

  (present ? it : it.skip).each(documents)(
    "operation %s validates against monday's schema and the emulator's (or is refused by both)",
    (name, document) => {
      const ast = parse(document);
      const theirs = validate(real, ast).map((e) => e.message);
      const ours = validate(emulator, ast).map((e) => e.message);
      if ((version === '2026-10' && legacyOnly.has(name)) || (version === '2026-07' && newOnly.has(name))) {
        // Sent only where monday serves an older version; refused, as by monday, on 2026-10.
        expect(theirs.length).toBeGreaterThan(0);
        expect(ours.length).toBeGreaterThan(0);
        return;
      }
      expect(theirs).toEqual([]);
      expect(ours).toEqual([]);
    },
  );

  maybe("has the published User type's fields exactly, as the emulator serves it", () => {
    const names = (schema: GraphQLSchema) =>
      Object.keys((schema.getType('User') as GraphQLObjectType).getFields()).sort();
    expect(names(emulator)).toEqual(names(real));
  });

  maybe("builds the team members' end proof as a document both schemas accept", () => {
    const ast = parse(
      operations.teamMembersEndDocument([
        { teamId: '123', offset: 7 },
        { teamId: '456', offset: 1000 },
      ]),
    );
    expect(validate(real, ast).map((e) => e.message)).toEqual([]);
    expect(validate(emulator, ast).map((e) => e.message)).toEqual([]);
  });

  maybe('chooses the users page by the version monday served', () => {
    const document = usersPageDocument(version);
    expect(validate(real, parse(document)).map((e) => e.message)).toEqual([]);
    expect(validate(emulator, parse(document)).map((e) => e.message)).toEqual([]);
    // The next version, whatever it is, gets the newest document.
    expect(usersPageDocument('2027-01')).toBe(operations.USERS_PAGE_2026_10);
  });
});
