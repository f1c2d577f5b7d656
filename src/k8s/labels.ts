import { API_GROUP } from '../k8s/schema.js';

export const LABEL_PLAN = `${API_GROUP}/plan`;
export const LABEL_OPERATION = `${API_GROUP}/operation`;
export const LABEL_EXECUTION = `${API_GROUP}/execution`;
export const LABEL_ACTION = `${API_GROUP}/action`;
export const ANNOTATION_CANCEL = `${API_GROUP}/cancel`;
export const ANNOTATION_ACTION_ID = `${API_GROUP}/action-id`;
