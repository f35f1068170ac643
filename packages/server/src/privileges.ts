import fs from 'node:fs';
import path from 'node:path';

/** A system account, as /etc/passwd names it. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** The account called `name` in /etc/passwd, or undefined. */
export function accountNamed(name: string, passwd = '/etc/passwd'): Account | undefined {
  for (const line of fs.readFileSync(passwd, 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** Gives `dir` and everything in it to the account (symbolic links are not followed). */
function chownTree(dir: string, account: Account): void {
  fs.lchownSync(dir, account.uid, account.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, account);
    else fs.lchownSync(full, account.uid, account.gid);
  }
}

/**
 * Started as root (`sudo ./amphi up`), Amphi hands itself to an unprivileged account before it
 * opens its database or starts anything (ADR 7): the data folder is made and given to that
 * account, then the process takes the account's uid, gid and groups for good, and Janus,
 * LibreOffice, pdfinfo and ffmpeg, which Amphi starts, run as it too. What was read before (the
 * code, the web client) needs no access later.
 */
export function runAs(name: string, dataDir: string): Account {
  if (typeof process.getuid !== 'function' || !process.setuid || !process.setgid || !process.setgroups) throw new Error('this platform cannot change its user');
  const account = accountNamed(name);
  if (!account) throw new Error(`AMPHI_RUN_AS: there is no user "${name}" (sudo ./amphi up creates it)`);
  if (account.uid === 0) throw new Error(`AMPHI_RUN_AS: "${name}" is root`);
  if (process.getuid() !== 0) {
    if (process.getuid() === account.uid) return account;
    throw new Error(`AMPHI_RUN_AS=${name}: started as another user (uid ${process.getuid()}); start as root or as ${name}`);
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  chownTree(dataDir, account);
  fs.chmodSync(dataDir, 0o750);
  process.setgroups([account.gid]);
  process.setgid(account.gid);
  process.setuid(account.uid);
  // setuid to another user drops every capability; make sure nothing is left.
  if (process.getuid() !== account.uid || process.geteuid?.() !== account.uid || process.getgid?.() !== account.gid) throw new Error(`could not become ${name}`);
  return account;
}
