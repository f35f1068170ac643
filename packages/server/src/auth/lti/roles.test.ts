import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amphiRoleOf } from './roles.ts';

describe('amphiRoleOf', () => {
  it('Instructor and the Administrator roles host, in full URIs or short names', () => {
    for (const roles of [
      ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
      ['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator', 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'],
      ['Instructor'],
      ['Learner', 'Instructor'],
    ]) assert.equal(amphiRoleOf(roles), 'host', roles.join());
  });
  it('Learner, other roles and none join as participants', () => {
    for (const roles of [
      ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      ['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'],
      ['http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor'],
      ['Learner'],
      [],
    ]) assert.equal(amphiRoleOf(roles), 'participant', roles.join());
  });
});
