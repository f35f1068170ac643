/** The Amphi role an LTI launch gives. */
export type LtiRole = 'host' | 'participant';

/**
 * Roles that host (moodle.md C.4): the context role Instructor and the system or institution
 * Administrator (Moodle gives site administrators those and drops Learner), in full URIs or in
 * the short names that NRPS and older platforms use. Everything else (Learner, Mentor,
 * TeachingAssistant, ContentDeveloper…) joins as a participant.
 */
const HOST_ROLES = new Set([
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/person#Administrator',
  'Instructor',
  'Administrator',
]);

export function amphiRoleOf(roles: readonly string[]): LtiRole {
  return roles.some((r) => HOST_ROLES.has(r.trim())) ? 'host' : 'participant';
}
