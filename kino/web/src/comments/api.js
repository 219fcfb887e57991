// The comments' GraphQL operations: pages of top-level comments (newest first), a comment's
// replies (oldest first), post, edit, delete, and the counts a change moves.
import { gql } from '../lib/graphql.js';

export const PAGE_SIZE = 20;
const FIELDS = 'id parentId body createdAt editedAt deleted replyCount author { id handle displayName }';
const PAGE = `edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor }`;

const COMMENTS = `query Comments($videoId: ID!, $first: Int!, $after: String) {
  comments(videoId: $videoId, first: $first, after: $after) { ${PAGE} } }`;
const REPLIES = `query Replies($id: ID!, $first: Int!, $after: String) {
  comment(id: $id) { replyCount replies(first: $first, after: $after) { ${PAGE} } } }`;
const POST = `mutation PostComment($videoId: ID!, $body: String!, $parentId: ID) {
  postComment(videoId: $videoId, body: $body, parentId: $parentId) { ${FIELDS} } }`;
const EDIT = `mutation EditComment($id: ID!, $body: String!) {
  editComment(id: $id, body: $body) { ${FIELDS} } }`;
const DELETE = 'mutation DeleteComment($id: ID!) { deleteComment(id: $id) }';
const VIDEO_COUNT = 'query CommentCount($videoId: ID!) { video(id: $videoId) { commentCount } }';
const THREAD_COUNTS = `query ThreadCounts($videoId: ID!, $id: ID!) {
  video(id: $videoId) { commentCount } comment(id: $id) { ${FIELDS} } }`;

/** A page of top-level comments: { comments, hasMore, endCursor }. */
export async function topLevel(videoId, after) {
  const { comments } = await gql(COMMENTS, { videoId, first: PAGE_SIZE, after: after || null });
  return page(comments);
}

/** A page of a comment's replies, or null when the comment is gone. */
export async function replies(id, after) {
  const { comment } = await gql(REPLIES, { id, first: PAGE_SIZE, after: after || null });
  return comment ? { replyCount: comment.replyCount, ...page(comment.replies) } : null;
}

export async function post(videoId, body, parentId = null) {
  return (await gql(POST, { videoId, body, parentId })).postComment;
}

export async function edit(id, body) {
  return (await gql(EDIT, { id, body })).editComment;
}

export async function remove(id) {
  await gql(DELETE, { id });
}

/** The video's comment count and, with `threadId`, that comment as it is now (null if gone). */
export async function counts(videoId, threadId = null) {
  if (!threadId) return { commentCount: (await gql(VIDEO_COUNT, { videoId })).video?.commentCount };
  const data = await gql(THREAD_COUNTS, { videoId, id: threadId });
  return { commentCount: data.video?.commentCount, thread: data.comment };
}

function page(connection) {
  return {
    comments: connection.edges.map((edge) => edge.node),
    hasMore: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  };
}
