/** Where the domain looks up meetings that exist (storage implements it). */
export interface MeetingDirectory {
  byId(id: string): Promise<{ id: string; title: string; ownerId: string } | undefined>;
}
