import type { Permissions, Role } from '@amphi/protocol';
import { AppError } from '../errors.ts';

/** Hosts and co-hosts run the meeting; only the host hands out roles. Deny unless allowed. */
export function isModerator(role: Role): boolean {
  return role === 'host' || role === 'cohost';
}

export function assertModerator(actor: { role: Role }, what: string): void {
  if (!isModerator(actor.role)) throw new AppError('auth.forbidden', `only hosts and co-hosts can ${what}`);
}

export function assertHost(actor: { role: Role }, what: string): void {
  if (actor.role !== 'host') throw new AppError('auth.forbidden', `only the host can ${what}`);
}

/** May this participant turn their own microphone on? */
export function mayUnmute(p: { role: Role; unmuteGranted: boolean }, permissions: Permissions): boolean {
  return isModerator(p.role) || permissions.allowUnmute || p.unmuteGranted;
}

export function mayChat(p: { role: Role }, permissions: Permissions): boolean {
  return isModerator(p.role) || permissions.allowChat;
}

export function mayRename(actor: { id: string; role: Role }, targetId: string, permissions: Permissions): boolean {
  return isModerator(actor.role) || (actor.id === targetId && permissions.allowRename);
}

/** May this participant put something on the stage (a screen, a document, the whiteboard)? */
export function mayShare(p: { role: Role }, permissions: Permissions): boolean {
  return isModerator(p.role) || permissions.allowShare;
}

export function mayAnnotate(p: { role: Role }, permissions: Permissions): boolean {
  return isModerator(p.role) || permissions.allowAnnotate;
}
