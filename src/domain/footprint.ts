/**
 * What a person's removal breaks in monday: deactivating them switches off the automations and integrations they
 * created, and a board whose only active owner they are is left with no one to manage it (a private or
 * shareable one with no one who can reach it). A part monday could not be asked about is unknown, never "none".
 */

/** What was read of one account, once per plan; null parts could not be read, with why. */
export interface AccountWorkspace {
  automations:
    | { id: string; userId: string; boardId: string | null; title: string; active: boolean }[]
    | null;
  automationsUnknown: string | null;
  integrations: { id: string; userId: string; provider: string; active: boolean }[] | null;
  integrationsUnknown: string | null;
  boards: { id: string; name: string; kind: string; activeOwnerIds: string[] }[] | null;
  boardsUnknown: string | null;
  teams: { id: string; name: string; activeOwnerIds: string[] }[] | null;
  teamsUnknown: string | null;
  /** monday requests the reads took. */
  requests: number;
}

export interface PersonFootprint {
  /** Active automations they created (null: unknown, with the reason in `unknown`). */
  automations: { count: number; boards: string[]; titles: string[] } | null;
  /** Active integrations they connected, by provider. */
  integrations: string[] | null;
  /** Boards they are the only active owner of. */
  soleOwnerBoards: { id: string; name: string; kind: string }[] | null;
  /** Teams they are the only active owner of. */
  soleOwnerTeams: { id: string; name: string }[] | null;
  /** What could not be read, in words. */
  unknown: string[];
  /** Something known would stop or be left without an owner. */
  breaks: boolean;
  /** In one sentence: "switches off 4 automations (2 boards) and 1 integration (slack); leaves 1 board …". */
  words: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The footprint of one person for a change that takes access away: a deactivation stops their automations and
 * integrations and leaves what they alone own without an owner; a change to viewer stops their automations (a
 * viewer keeps their integrations; what they keep of the boards they own monday does not say: unknown).
 */
export function footprintOf(
  userId: string,
  workspace: AccountWorkspace,
  change: 'deactivate' | 'viewer' = 'deactivate',
): PersonFootprint {
  if (change === 'viewer')
    workspace = {
      ...workspace,
      integrations: [],
      integrationsUnknown: null,
      boards: null,
      boardsUnknown: 'monday does not document what a viewer keeps of the boards and teams they own',
      teams: null,
      teamsUnknown: null,
    };
  const automations = workspace.automations
    ? workspace.automations.filter((a) => a.userId === userId && a.active)
    : null;
  const integrations = workspace.integrations
    ? workspace.integrations.filter((c) => c.userId === userId && c.active)
    : null;
  const sole = workspace.boards
    ? workspace.boards.filter((b) => b.activeOwnerIds.length === 1 && b.activeOwnerIds[0] === userId)
    : null;
  const soleTeams = workspace.teams
    ? workspace.teams.filter((t) => t.activeOwnerIds.length === 1 && t.activeOwnerIds[0] === userId)
    : null;
  const unknown = [
    workspace.automationsUnknown && `automations: ${workspace.automationsUnknown}`,
    workspace.integrationsUnknown && `integrations: ${workspace.integrationsUnknown}`,
    workspace.boardsUnknown && `boards: ${workspace.boardsUnknown}`,
    workspace.teamsUnknown && `teams: ${workspace.teamsUnknown}`,
  ].filter((u): u is string => Boolean(u));
  const footprint: PersonFootprint = {
    automations: automations && {
      count: automations.length,
      boards: [...new Set(automations.flatMap((a) => (a.boardId ? [a.boardId] : [])))],
      titles: [...new Set(automations.map((a) => a.title))],
    },
    integrations: integrations && [...new Set(integrations.map((c) => c.provider))],
    soleOwnerBoards: sole?.map((b) => ({ id: b.id, name: b.name, kind: b.kind })) ?? null,
    soleOwnerTeams: soleTeams?.map((t) => ({ id: t.id, name: t.name })) ?? null,
    unknown,
    breaks: Boolean(automations?.length || integrations?.length || sole?.length || soleTeams?.length),
    words: '',
  };
  footprint.words = footprintWords(footprint);
  return footprint;
}

/** The footprint in words, naming what stops, what is left ownerless, and what could not be read. */
export function footprintWords(f: Omit<PersonFootprint, 'words'>): string {
  const stops: string[] = [];
  if (f.automations?.count)
    stops.push(
      `${plural(f.automations.count, 'automation')} (${plural(f.automations.boards.length, 'board')})`,
    );
  if (f.integrations?.length)
    stops.push(`${plural(f.integrations.length, 'integration')} (${f.integrations.join(', ')})`);
  const parts: string[] = [];
  if (stops.length) parts.push(`switches off ${stops.join(' and ')}`);
  if (f.soleOwnerBoards?.length) {
    const hidden = f.soleOwnerBoards.filter((b) => b.kind !== 'public').length;
    parts.push(
      `leaves ${plural(f.soleOwnerBoards.length, 'board')} with no active owner${hidden ? ` (${hidden} private or shareable)` : ''}`,
    );
  }
  if (f.soleOwnerTeams?.length)
    parts.push(
      `leaves ${plural(f.soleOwnerTeams.length, 'team')} with no active owner (${f.soleOwnerTeams.map((t) => t.name).join(', ')})`,
    );
  const known = parts.length ? parts.join('; ') : 'breaks nothing monday showed';
  return f.unknown.length ? `${known}; unknown: ${f.unknown.join('; ')}` : known;
}
